import itertools, dataclasses
from bench.aml.namebench import load_cases, prf
from shared.aml.names import NameWeights, compare_names
from shared.aml.normalize import kind_of
cases = load_cases()
even = cases[0::2]; odd = cases[1::2]
def f1(cs, w, t=0.7):
    sc=[compare_names(c.name1,c.name2,kind_of(c.schema),w).score for c in cs]
    return prf([c.is_match for c in cs],[s>=t for s in sc])['f1']
res=[]
for floor, jw, phon, contra, ex_org, ex_p in itertools.product([0.68,0.72,0.76],[0.08,0.12,0.16],[0.8,0.86],[0.5,0.6,0.7],[0.6,1.0],[0.25,0.5]):
    w=NameWeights(token_floor=floor,jw_offset=jw,phonetic_floor=phon,contradiction=contra,extra_org=ex_org,extra_person=ex_p)
    res.append((f1(even,w),floor,jw,phon,contra,ex_org,ex_p))
res.sort(reverse=True)
for r in res[:5]:
    w=NameWeights(token_floor=r[1],jw_offset=r[2],phonetic_floor=r[3],contradiction=r[4],extra_org=r[5],extra_person=r[6])
    print('even F1 %.3f'%r[0], r[1:], 'odd F1 %.3f'%f1(odd,w), 'all %.3f'%f1(cases,w))
print('default odd', f1(odd, NameWeights()), 'even', f1(even, NameWeights()))
