-- The console's case notes and AML match dispositions (0150) belong to one session each:
-- like every other table of a session's data (0161), a live key never sees a test
-- session's rows and a test key never sees a live one's.
SELECT idmesh_isolate_mode('case_notes'::regclass);
SELECT idmesh_isolate_mode('case_aml_dispositions'::regclass);
