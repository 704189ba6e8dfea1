"""Warning and error codes of the face checks (stable, documented; one line each)."""

# detection and quality
NO_FACE_DETECTED = "NO_FACE_DETECTED"  # no face found in an image
MULTIPLE_FACES_DETECTED = "MULTIPLE_FACES_DETECTED"  # more than one face of similar size
FACE_TOO_SMALL = "FACE_TOO_SMALL"  # face narrower than min_face_px: less reliable
FACE_BLURRED = "FACE_BLURRED"  # little high-frequency detail on the face
FACE_TOO_DARK = "FACE_TOO_DARK"  # face region under-exposed
FACE_OVEREXPOSED = "FACE_OVEREXPOSED"  # face region washed out
POSE_TOO_STRONG = "POSE_TOO_STRONG"  # head turned/tilted beyond the allowed angles
# input
IMAGE_INVALID = "IMAGE_INVALID"  # the bytes are not a decodable image
MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"  # a model file is missing or cannot be loaded
# face match
FACE_MISMATCH = "FACE_MISMATCH"  # similarity below the decline threshold
FACE_MATCH_UNCERTAIN = "FACE_MATCH_UNCERTAIN"  # similarity between decline and review thresholds
# liveness
LIVENESS_ATTACK_SUSPECTED = "LIVENESS_ATTACK_SUSPECTED"  # presentation attack likely
LIVENESS_UNCERTAIN = "LIVENESS_UNCERTAIN"  # liveness score in the review band
CHALLENGE_EXPIRED = "CHALLENGE_EXPIRED"  # active-liveness challenge used after its expiry
CHALLENGE_REUSED = "CHALLENGE_REUSED"  # challenge nonce already answered once
CHALLENGE_INVALID = "CHALLENGE_INVALID"  # challenge malformed or bound to another session
CHALLENGE_NOT_COMPLETED = "CHALLENGE_NOT_COMPLETED"  # requested moves not seen in order
FRAMES_REUSED = "FRAMES_REUSED"  # frames (or re-encodings) already seen in another session
FRAMES_STATIC = "FRAMES_STATIC"  # frames nearly identical: a still picture, not a person
FACE_CHANGED_DURING_CHALLENGE = "FACE_CHANGED_DURING_CHALLENGE"  # not the same face throughout
SELFIE_MISMATCH = "SELFIE_MISMATCH"  # the challenge face does not match the selfie
TOO_FEW_FRAMES = "TOO_FEW_FRAMES"  # not enough frames with a face to judge the challenge
# age
MINIMUM_AGE_NOT_MET = "MINIMUM_AGE_NOT_MET"  # age (face or document) under the minimum
AGE_BORDERLINE = "AGE_BORDERLINE"  # face estimate within the margin of the minimum: review
AGE_DOB_INCONSISTENT = "AGE_DOB_INCONSISTENT"  # face estimate far from the document's age
# 1:N
POSSIBLE_DUPLICATE_USER = "POSSIBLE_DUPLICATE_USER"  # same face as another session of the tenant
IN_BLOCKLIST = "IN_BLOCKLIST"  # face matches an entry of the tenant's face blocklist
