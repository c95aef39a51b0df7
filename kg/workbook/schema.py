"""The sheets and columns of the coding workbook (``flywheel template`` / ``import`` / ``export``).

Each sheet holds one kind of record, one record a row; a row may carry more than one record (the
case sheet holds the case's header, the case study and the city). A column says which predicate
its cells fill, what a cell holds (:class:`Kind`) and its header in English and Chinese. The
controlled values offered in dropdowns are not listed here: they are read from the ontology (see
:data:`LISTS`), with their labels in both languages.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from kg.vocab import FW


class Kind(enum.StrEnum):
    """What a cell holds, and so how it is read and written."""

    ID = "id"  # the record's id: a local name under the case's IRI
    CASE_IRI = "case-iri"  # the case's graph IRI (the case sheet only)
    TYPE = "type"  # the record's kind: a class from a list (rdf:type)
    REF = "ref"  # ids of other records (or full IRIs)
    CHOICE = "choice"  # a controlled value from a list
    TEXT = "text"  # a literal, in one language or plain
    DATE = "date"  # EDTF (2016-04-13, 2016-04, 2016, 2016/2017, ../2018-06, 2020/..) or "unknown"
    YEAR = "year"  # xsd:gYear
    INTEGER = "integer"  # xsd:integer
    NUMBER = "number"  # xsd:integer or xsd:decimal
    URL = "url"  # xsd:anyURI
    IRI = "iri"  # a full IRI (licence, imported ontology)
    BOOLEAN = "boolean"  # xsd:boolean
    CODER = "coder"  # who coded the row (several rows for one id: one per coder)
    VALUE = "value"  # a claim's value, read as its property's own column reads it


@dataclass(frozen=True)
class Column:
    """One column: its stable key, headers, the record it belongs to and what it holds."""

    key: str
    en: str
    zh: str
    kind: Kind
    predicate: URIRef | None = None
    record: str = "main"
    lang: str | None = None  # TEXT: the language tag (None: a plain literal)
    multi: bool = False  # several values in one cell (";" between ids or values, lines for text)
    required: bool = False
    choices: str | None = None  # CHOICE / TYPE: the name of the list in LISTS
    precision: URIRef | None = None  # DATE: the predicate holding the date's precision
    edtf: URIRef | None = None  # DATE: the predicate keeping the date as written (EDTF)
    earliest: URIRef | None = None  # DATE: the predicate of its inclusive earliest bound
    latest: URIRef | None = None  # DATE: the predicate of its inclusive latest bound
    end: bool = False  # DATE: an end, where ".." means not yet ended (fw:Ongoing)
    note_en: str = ""
    note_zh: str = ""
    aliases: tuple[str, ...] = ()  # earlier headers still read (a 0.1 workbook's)
    target: str | None = None  # REF: the key of the sheet whose rows it must name (else any)

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Record:
    """One kind of record a row holds: its id column and its class (fixed, or from a list)."""

    name: str
    id_column: str
    fixed_type: URIRef | None = None
    type_column: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One sheet (one CSV file): its key, names, the records its rows hold and its columns."""

    key: str
    en: str
    zh: str
    records: tuple[Record, ...]
    columns: tuple[Column, ...]
    about_en: str = ""
    about_zh: str = ""
    claims: bool = True  # rows are claims: a coder column, and one row per coder for an id
    extra: dict[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def record(self, name: str) -> Record:
        return next(r for r in self.records if r.name == name)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class ControlledList:
    """A list of controlled values: the members of a SKOS scheme, or a set of classes (or of
    properties), labelled by the ontology; ``labels`` gives (term, en, zh) for a term the
    ontology does not label (rdf:type)."""

    name: str
    en: str
    zh: str
    scheme: URIRef | None = None
    classes: tuple[URIRef, ...] = ()
    labels: tuple[tuple[URIRef, str, str], ...] = ()


LISTS: dict[str, ControlledList] = {
    lst.name: lst
    for lst in (
        ControlledList("stages", "flywheel stages", "飞轮阶段", scheme=FW.StageScheme),
        ControlledList("mechanisms", "driving mechanisms", "驱动机制", scheme=FW.MechanismScheme),
        ControlledList("logics", "action logics", "行动逻辑", scheme=FW.LogicScheme),
        ControlledList("loop_steps", "loop steps", "数据闭环环节", scheme=FW.LoopStepScheme),
        ControlledList("source_types", "source types", "来源类型", scheme=FW.SourceTypeScheme),
        ControlledList("confidence", "confidence levels", "置信度", scheme=FW.ConfidenceScheme),
        ControlledList("action_types", "action types", "行动类型", scheme=FW.ActionTypeScheme),
        ControlledList(
            "scenario_types", "scenario types", "场景类型", scheme=FW.ScenarioTypeScheme
        ),
        ControlledList(
            "interaction_kinds", "interaction kinds", "互动类型", scheme=FW.InteractionKindScheme
        ),
        ControlledList(
            "actor_kinds",
            "parts played",
            "承担角色",
            # the paper's four kinds of actor, as role-player classes; fw:LeadingGroup and the
            # deprecated fw:DataBureau stay so that a 0.1 workbook still reads
            classes=(
                FW.Actor,
                FW.LeadingOfficial,
                FW.FunctionalDepartment,
                FW.TechnicalDepartment,
                FW.CommandCenter,
                FW.LeadingGroup,
                FW.DataBureau,
            ),
        ),
        ControlledList(
            "organisation_kinds",
            "kinds of actor",
            "主体性质",
            classes=(
                FW.Person,
                FW.LeadershipCollective,
                FW.PartyCommittee,
                FW.PeoplesGovernment,
                FW.PeoplesCongress,
                FW.GovernmentDepartment,
                FW.DataAdministration,
                FW.PublicServiceUnit,
                FW.BigDataCenter,
                FW.OperationsCenter,
                FW.Firm,
            ),
        ),
        ControlledList(
            "action_kinds",
            "action kinds",
            "行动类别",
            classes=(
                FW.GovernanceAction,
                FW.InstitutionalChange,
                FW.OrganisationalChange,
                FW.RegulatoryChange,
            ),
        ),
        ControlledList(
            "levels", "administrative levels", "行政层级", scheme=FW.AdministrativeLevelScheme
        ),
        ControlledList(
            "kinds_of_actor",
            "the paper's kinds of actor",
            "论文的主体类型",
            scheme=FW.ActorKindScheme,
        ),
        ControlledList(
            "statuses", "implementation statuses", "实施状态", scheme=FW.ImplementationStatusScheme
        ),
        ControlledList("passages", "stage passages", "阶段经历方式", scheme=FW.StagePassageScheme),
        ControlledList(
            "artefact_kinds",
            "artefact kinds",
            "载体类别",
            classes=(
                FW.DataFoundation,
                FW.ApplicationScenario,
                FW.Platform,
                FW.DataResource,
                FW.HolisticIntelligentGovernance,
            ),
        ),
    )
}

_DATE_NOTE_EN = (
    "EDTF: 2016-04-13 (day), 2016-04 (month), 2016 (year), 2016/2017 (some day between), "
    "../2018-06 (on or before: first attested), 2020/.. (on or after), 2016-04? (probably) "
    "or unknown"
)
_DATE_NOTE_ZH = (
    "EDTF:2016-04-13(日)、2016-04(月)、2016(年)、2016/2017(其间某日)、"
    "../2018-06(不晚于,即最早见证)、2020/..(不早于)、2016-04?(大概)或“未知”"
)
_END_NOTE_EN = _DATE_NOTE_EN + "; .. (not yet ended)"
_END_NOTE_ZH = _DATE_NOTE_ZH + ";..(至今,尚未结束)"
# a date's comparable value → its EDTF, earliest and latest predicates (docs/dates.md)
_DATE_TERMS: dict[URIRef, tuple[URIRef, URIRef, URIRef]] = {
    FW.date: (FW.dateEDTF, FW.dateEarliest, FW.dateLatest),
    FW.startDate: (FW.startEDTF, FW.startEarliest, FW.startLatest),
    FW.endDate: (FW.endEDTF, FW.endEarliest, FW.endLatest),
}
_IDS_EN = "ids from other sheets, separated by ;"
_IDS_ZH = "其他工作表中的编号,以 ; 分隔"


def _id(key: str = "id", en: str = "id", zh: str = "编号", record: str = "main") -> Column:
    return Column(
        key,
        en,
        zh,
        Kind.ID,
        record=record,
        note_en="a short name, unique in the case: letters, digits, - _ .",
        note_zh="案例内唯一的简短名称:字母、数字及 - _ .",
    )


def _labels(record: str = "main", prefix: str = "") -> tuple[Column, ...]:
    return (
        Column(
            f"{prefix}label_en", "label (en)", "名称(英文)", Kind.TEXT, RDFS.label, record, "en"
        ),
        Column(
            f"{prefix}label_zh", "label (zh)", "名称(中文)", Kind.TEXT, RDFS.label, record, "zh"
        ),
    )


def _comments(record: str = "main", prefix: str = "") -> tuple[Column, ...]:
    return (
        Column(
            f"{prefix}comment_en",
            "comment (en)",
            "说明(英文)",
            Kind.TEXT,
            RDFS.comment,
            record,
            "en",
        ),
        Column(
            f"{prefix}comment_zh",
            "comment (zh)",
            "说明(中文)",
            Kind.TEXT,
            RDFS.comment,
            record,
            "zh",
        ),
    )


def _refs(key: str, en: str, zh: str, predicate: URIRef, record: str = "main") -> Column:
    return Column(
        key, en, zh, Kind.REF, predicate, record, multi=True, note_en=_IDS_EN, note_zh=_IDS_ZH
    )


def _ref(key: str, en: str, zh: str, predicate: URIRef) -> Column:
    return Column(key, en, zh, Kind.REF, predicate, note_en="an id", note_zh="一个编号")


def _choice(
    key: str,
    en: str,
    zh: str,
    predicate: URIRef,
    choices: str,
    *,
    multi: bool = False,
    required: bool = False,
) -> Column:
    return Column(
        key, en, zh, Kind.CHOICE, predicate, multi=multi, required=required, choices=choices
    )


def _date(key: str, en: str, zh: str, predicate: URIRef, precision: URIRef) -> Column:
    edtf, earliest, latest = _DATE_TERMS[predicate]
    end = predicate == FW.endDate
    return Column(
        key,
        en,
        zh,
        Kind.DATE,
        predicate,
        precision=precision,
        edtf=edtf,
        earliest=earliest,
        latest=latest,
        end=end,
        note_en=_END_NOTE_EN if end else _DATE_NOTE_EN,
        note_zh=_END_NOTE_ZH if end else _DATE_NOTE_ZH,
    )


def _evidence(record: str = "main") -> Column:
    return _refs("evidence", "evidence", "证据", FW.hasEvidence, record)


CODER = Column(
    "coder",
    "coder",
    "编码者",
    Kind.CODER,
    FW.codedBy,
    note_en="who coded this row; a second row with the same id and another coder keeps a "
    "second coding side by side",
    note_zh="本行的编码者;同一编号、不同编码者的另一行将作为并列的第二种编码保存",
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "case",
        "case",
        "案例",
        records=(
            Record("header", "case_iri", fixed_type=OWL.Ontology),
            Record("case", "case_id", fixed_type=FW.CaseStudy),
            Record("city", "city_id", fixed_type=FW.City),
        ),
        columns=(
            Column(
                "case_iri",
                "case IRI",
                "案例IRI",
                Kind.CASE_IRI,
                record="header",
                required=True,
                note_en="names the case's graph; every id is a name under it, e.g. "
                "https://w3id.org/dataflywheel/case/my-city",
                note_zh="案例命名图的名称;各编号均位于其下,如 https://w3id.org/dataflywheel/case/my-city",
            ),
            Column("imports", "ontology imported", "所导入本体", Kind.IRI, OWL.imports, "header"),
            *(
                Column(
                    c.key,
                    c.en.replace("label", "title"),
                    c.zh.replace("名称", "标题"),
                    c.kind,
                    c.predicate,
                    "header",
                    c.lang,
                )
                for c in _labels("header", "header_")
            ),
            *(
                Column(
                    c.key,
                    c.en.replace("comment", "description"),
                    c.zh.replace("说明", "简介"),
                    c.kind,
                    c.predicate,
                    "header",
                    c.lang,
                )
                for c in _comments("header", "header_")
            ),
            Column("license", "licence", "许可协议", Kind.IRI, DCTERMS.license, "header"),
            _id("case_id", "case id", "案例编号", "case"),
            *(
                Column(c.key, "case " + c.en, "案例" + c.zh, c.kind, c.predicate, "case", c.lang)
                for c in _labels("case", "case_")
            ),
            Column("coder", "coder", "编码者", Kind.TEXT, FW.coder, "case", multi=True),
            Column(
                "codebook",
                "codebook version",
                "编码手册版本",
                Kind.TEXT,
                FW.codebookVersion,
                "case",
            ),
            Column(
                "province_en",
                "province (en)",
                "所在省份(英文)",
                Kind.TEXT,
                FW.province,
                "case",
                "en",
            ),
            Column(
                "province_zh",
                "province (zh)",
                "所在省份(中文)",
                Kind.TEXT,
                FW.province,
                "case",
                "zh",
            ),
            Column(
                "level_en",
                "administrative level (en)",
                "行政级别(英文)",
                Kind.TEXT,
                FW.administrativeLevel,
                "case",
                "en",
            ),
            Column(
                "level_zh",
                "administrative level (zh)",
                "行政级别(中文)",
                Kind.TEXT,
                FW.administrativeLevel,
                "case",
                "zh",
            ),
            Column(
                "period_start",
                "period start (year)",
                "研究时段起(年)",
                Kind.YEAR,
                FW.periodStart,
                "case",
            ),
            Column(
                "period_end", "period end (year)", "研究时段止(年)", Kind.YEAR, FW.periodEnd, "case"
            ),
            _refs("sources", "sources coded", "编码来源", FW.codesSource, "case"),
            Column(
                "synthetic",
                "synthetic (true/false)",
                "合成数据(true/false)",
                Kind.BOOLEAN,
                FW.isSynthetic,
                "case",
            ),
            *(
                Column(c.key, "case " + c.en, "案例" + c.zh, c.kind, c.predicate, "case", c.lang)
                for c in _comments("case", "case_")
            ),
            Column(
                "case_evidence",
                "case evidence",
                "案例证据",
                Kind.REF,
                FW.hasEvidence,
                "case",
                multi=True,
            ),
            Column(
                "studies_city",
                "city studied (id)",
                "研究城市(编号)",
                Kind.REF,
                FW.studiesCity,
                "case",
                note_en="the city id given in this row",
                note_zh="本行所填城市编号",
            ),
            _id("city_id", "city id", "城市编号", "city"),
            *(
                Column(c.key, "city " + c.en, "城市" + c.zh, c.kind, c.predicate, "city", c.lang)
                for c in _labels("city", "city_")
            ),
            *(
                Column(c.key, "city " + c.en, "城市" + c.zh, c.kind, c.predicate, "city", c.lang)
                for c in _comments("city", "city_")
            ),
            Column(
                "moves_toward",
                "moves toward governance",
                "迈向整体智治",
                Kind.REF,
                FW.movesToward,
                "city",
                multi=True,
                aliases=("reached governance", "实现整体智治", "reached"),
                note_en="the holistic intelligent governance the city moves toward (迈向), an "
                "artefact id",
                note_zh="城市所迈向的整体智治(载体编号)",
            ),
            Column(
                "city_level",
                "city administrative level",
                "城市行政层级",
                Kind.CHOICE,
                FW.jurisdictionLevel,
                "city",
                choices="levels",
            ),
            Column(
                "city_within",
                "city within",
                "城市所属上级行政区",
                Kind.REF,
                FW.withinJurisdiction,
                "city",
                note_en="the province (or nation) the city lies in: an id on the jurisdictions sheet",
                note_zh="城市所属的省(或国家):行政区表中的编号",
            ),
            Column(
                "city_evidence",
                "city evidence",
                "城市证据",
                Kind.REF,
                FW.hasEvidence,
                "city",
                multi=True,
            ),
        ),
        about_en="One row: the case (its graph IRI, title, licence), the case study (coder, "
        "codebook, province, period, the sources it codes) and the city it studies.",
        about_zh="一行:案例(命名图IRI、标题、许可协议)、案例研究(编码者、编码手册、省份、时段、所编码来源)"
        "及所研究的城市。",
        claims=False,
    ),
    Sheet(
        "actors",
        "actors",
        "行动主体",
        records=(Record("main", "id", type_column="kind"),),
        columns=(
            _id(),
            Column(
                "kind",
                "actor kind",
                "主体类别",
                Kind.TYPE,
                RDF.type,
                required=True,
                choices="actor_kinds",
                multi=True,
                note_en="the part(s) it plays in the paper's terms; several separated by ;",
                note_zh="按论文的主体类别所承担的角色;多个以 ; 分隔",
            ),
            Column(
                "what",
                "what it is",
                "主体性质",
                Kind.TYPE,
                RDF.type,
                choices="organisation_kinds",
                note_en="a person, the leaders together, or the kind of organisation",
                note_zh="个人、党政领导集体或组织类型",
            ),
            *_labels(),
            Column("post_en", "post (en)", "职务(英文)", Kind.TEXT, FW.post, lang="en"),
            Column("post_zh", "post (zh)", "职务(中文)", Kind.TEXT, FW.post, lang="zh"),
            Column(
                "holds_posts",
                "holds posts",
                "担任职位",
                Kind.REF,
                FW.holdsPost,
                multi=True,
                target="posts",
                note_en="ids on the posts sheet, separated by ; (a person's posts without dates; "
                "for dates and evidence, a row on the tenures sheet)",
                note_zh="职位表中的编号,以 ; 分隔(个人所任职位,不含日期;需日期与证据时在任职表中填写)",
            ),
            _ref("of_jurisdiction", "of jurisdiction", "所属行政区", FW.ofJurisdiction),
            _refs("coordinates", "coordinates", "协调", FW.coordinates),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Who acts: the part each plays in the paper's terms (leading official, functional "
        "or technical department, command center; one organisation may play several) and what "
        "it is (a person, the leaders together, a government department, a data administration, "
        "a big data centre, a firm, …).",
        about_zh="行动主体:按论文的主体类别所承担的角色(党政主要领导、职能部门、技术部门、指挥中心;"
        "同一组织可承担多个角色)及其性质(个人、党政领导集体、政府工作部门、数据管理局、大数据中心、企业等)。",
    ),
    Sheet(
        "jurisdictions",
        "jurisdictions",
        "行政区",
        records=(Record("main", "id", fixed_type=FW.Jurisdiction),),
        columns=(
            _id(),
            *_labels(),
            _choice("level", "administrative level", "行政层级", FW.jurisdictionLevel, "levels"),
            _ref("within", "within", "所属上级行政区", FW.withinJurisdiction),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Provinces, the nation and other jurisdictions besides the city (which the case "
        "sheet holds): their level and the one above them. An actor, a role or a stage episode "
        "may name one.",
        about_zh="城市以外的行政区(城市见案例表):省、国家等,及其层级和上级行政区。主体、角色或阶段历程可引用。",
    ),
    Sheet(
        "roles",
        "roles",
        "角色",
        records=(Record("main", "id", fixed_type=FW.ActorRole),),
        columns=(
            _id(),
            *_labels(),
            _ref("played_by", "played by", "承担者", FW.playedBy),
            _choice("role_kind", "kind of actor", "主体类型", FW.roleKind, "kinds_of_actor"),
            _ref("role_in", "in jurisdiction", "所在行政区", FW.roleIn),
            _date("start", "start date", "起始日期", FW.startDate, FW.startDatePrecision),
            _date("end", "end date", "结束日期", FW.endDate, FW.endDatePrecision),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="A part an actor plays in the paper's terms, when the part needs its own dates "
        "or evidence (a big data centre that became the command center in 2019).",
        about_zh="主体按论文主体类型所承担的角色,需要单独的起止日期或证据时使用(如2019年起承担指挥中心角色的大数据中心)。",
    ),
    Sheet(
        "posts",
        "posts",
        "职位",
        records=(Record("main", "id", fixed_type=FW.Post),),
        columns=(
            _id(),
            *_labels(),
            Column(
                "post_in",
                "organisation",
                "所在机构",
                Kind.REF,
                FW.postIn,
                note_en="the id of the organisation on the actors sheet (a party committee, a "
                "government, a bureau)",
                note_zh="行动主体表中该组织的编号(党委、人民政府、局等)",
            ),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Positions that persons hold in turn, such as the party secretary of the "
        "municipal committee or the director of the data bureau: the organisation each belongs "
        "to. Who held a post when is on the tenures sheet.",
        about_zh="可由不同个人先后担任的职位,如市委书记、数据局局长,及其所属组织。何人何时任职见任职表。",
    ),
    Sheet(
        "tenures",
        "tenures",
        "任职",
        records=(Record("main", "id", fixed_type=FW.Tenure),),
        columns=(
            _id(),
            *_labels(),
            Column(
                "holder",
                "holder (person)",
                "任职者(个人)",
                Kind.REF,
                FW.holder,
                note_en="the id of a person on the actors sheet (what it is: person)",
                note_zh="行动主体表中某个人的编号(主体性质:个人)",
            ),
            Column(
                "tenure_of",
                "post",
                "所任职位",
                Kind.REF,
                FW.tenureOf,
                target="posts",
                note_en="the id of a row on the posts sheet",
                note_zh="职位表中的编号",
            ),
            _date("start", "start date", "起始日期", FW.startDate, FW.startDatePrecision),
            _date("end", "end date", "结束日期", FW.endDate, FW.endDatePrecision),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Who held which post, from when to when (dates as on the roles sheet), on "
        "what evidence.",
        about_zh="何人在何时(日期写法同角色表)担任何种职位,依据何种证据。",
    ),
    Sheet(
        "episodes",
        "stage episodes",
        "阶段时期",
        records=(Record("main", "id", fixed_type=FW.StageEpisode),),
        columns=(
            _id(),
            *_labels(),
            _ref("city", "city", "所属城市", FW.episodeOf),
            _choice("stage", "stage", "所处阶段", FW.ofStage, "stages", required=True),
            Column(
                "sequence",
                "sequence",
                "序号",
                Kind.INTEGER,
                FW.sequence,
                note_en="1 for the city's first episode, 2 for the next, …",
                note_zh="该城市的第一个时期为1,其后为2,……",
            ),
            _date("start", "start date", "起始日期", FW.startDate, FW.startDatePrecision),
            _date("end", "end date", "结束日期", FW.endDate, FW.endDatePrecision),
            _choice(
                "mechanism",
                "driven by mechanism",
                "实际驱动机制",
                FW.drivenByMechanism,
                "mechanisms",
                multi=True,
            ),
            _choice("passage", "passage", "经历方式", FW.passage, "passages"),
            _choice(
                "merged_with", "merged with stage", "与之合并的阶段", FW.mergedWithStage, "stages"
            ),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="The periods in which the city was in each flywheel stage.",
        about_zh="城市处于各飞轮阶段的时期。",
    ),
    Sheet(
        "actions",
        "actions",
        "治理行动",
        records=(Record("main", "id", type_column="kind"),),
        columns=(
            _id(),
            Column(
                "kind",
                "action kind",
                "行动类别",
                Kind.TYPE,
                RDF.type,
                required=True,
                choices="action_kinds",
            ),
            *_labels(),
            _refs("performed_by", "performed by", "实施主体", FW.performedBy),
            _ref("episode", "during episode", "发生时期", FW.duringEpisode),
            _choice("logic", "under logic", "所循逻辑", FW.underLogic, "logics", multi=True),
            _choice(
                "mechanism",
                "instance of mechanism",
                "体现机制",
                FW.instanceOfMechanism,
                "mechanisms",
                multi=True,
            ),
            _choice(
                "action_type", "action type", "行动类型", FW.actionType, "action_types", multi=True
            ),
            _date("date", "date", "日期", FW.date, FW.datePrecision),
            _refs("created_unit", "created unit", "新设单位", FW.createdUnit),
            _refs("merged_unit", "merged unit", "被合并单位", FW.mergedUnit),
            _refs("produced", "produced", "产出", FW.produced),
            _choice("status", "status", "实施状态", FW.status, "statuses"),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="What actors did: plans, leading groups, new bureaus, campaigns, scenarios, "
        "platforms, inspections. An institutional change creates or merges units.",
        about_zh="主体的行动:规划、领导小组、新设机构、专项行动、场景、平台、视察等。体制调整新设或合并单位。",
    ),
    Sheet(
        "flows",
        "data flows",
        "数据流动",
        records=(Record("main", "id", fixed_type=FW.DataFlow),),
        columns=(
            _id(),
            *_labels(),
            _ref("from", "from", "来源方", FW.fromNode),
            _ref("to", "to", "流向方", FW.toNode),
            _refs("carries", "carries", "传输数据", FW.carries),
            _choice("loop_step", "loop step", "所处回路环节", FW.inLoopStep, "loop_steps"),
            _ref("episode", "during episode", "发生时期", FW.duringEpisode),
            _date("date", "date", "日期", FW.date, FW.datePrecision),
            Column("volume", "volume", "数量", Kind.NUMBER, FW.volume),
            Column("volume_unit", "volume unit", "数量单位", Kind.TEXT, FW.volumeUnit),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Movements of data in one step of the loop: from an actor or artefact to another.",
        about_zh="数据在回路某一环节中从一个主体或载体流向另一个主体或载体。",
    ),
    Sheet(
        "artefacts",
        "artefacts",
        "载体与数据",
        records=(Record("main", "id", type_column="kind"),),
        columns=(
            _id(),
            Column(
                "kind", "kind", "类别", Kind.TYPE, RDF.type, required=True, choices="artefact_kinds"
            ),
            *_labels(),
            _refs("built_by", "built by", "建设主体", FW.builtBy),
            _refs("operated_by", "operated by", "运营主体", FW.operatedBy),
            _refs("holds", "holds", "汇聚数据", FW.holds),
            _refs("reuses", "reuses", "调用底座", FW.reuses),
            _refs("derived_from", "derived from", "派生自", FW.derivedFrom),
            _choice(
                "scenario_type",
                "scenario type",
                "场景类型",
                FW.scenarioType,
                "scenario_types",
                multi=True,
            ),
            _choice("status", "status", "实施状态", FW.status, "statuses"),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Data foundations, application scenarios, platforms, data resources, and the "
        "holistic intelligent governance a city reached.",
        about_zh="数据底座、应用场景、平台、数据资源,以及城市所实现的整体智治。",
    ),
    Sheet(
        "interactions",
        "logic interactions",
        "逻辑互动",
        records=(Record("main", "id", fixed_type=FW.LogicInteraction),),
        columns=(
            _id(),
            *_labels(),
            _choice(
                "interaction_kind",
                "interaction kind",
                "互动类型",
                FW.interactionKind,
                "interaction_kinds",
            ),
            _refs("actors", "involves actors", "涉及主体", FW.involvesActor),
            _choice(
                "logics", "involves logics", "涉及逻辑", FW.involvesLogic, "logics", multi=True
            ),
            _ref("episode", "during episode", "发生时期", FW.duringEpisode),
            _date("date", "date", "日期", FW.date, FW.datePrecision),
            Column("outcome_en", "outcome (en)", "结果(英文)", Kind.TEXT, FW.outcome, lang="en"),
            Column("outcome_zh", "outcome (zh)", "结果(中文)", Kind.TEXT, FW.outcome, lang="zh"),
            *_comments(),
            _evidence(),
            CODER,
        ),
        about_en="Encounters of actors' institutional logics: mutual adjustment or conflict.",
        about_zh="各主体制度逻辑的相遇:互动调适或冲突。",
    ),
    Sheet(
        "sources",
        "sources",
        "资料来源",
        records=(Record("main", "id", fixed_type=FW.Source),),
        columns=(
            _id(),
            _choice(
                "source_type",
                "source type",
                "来源类型",
                FW.sourceType,
                "source_types",
                required=True,
            ),
            *_labels(),
            Column("title_en", "title (en)", "标题(英文)", Kind.TEXT, DCTERMS.title, lang="en"),
            Column("title_zh", "title (zh)", "标题(中文)", Kind.TEXT, DCTERMS.title, lang="zh"),
            _date("date", "date", "日期", FW.date, FW.datePrecision),
            Column("citation", "citation", "引用信息", Kind.TEXT, DCTERMS.bibliographicCitation),
            Column("url", "URL", "网址", Kind.URL, FW.url),
            *_comments(),
        ),
        about_en="The documents evidence is taken from, with their type, title, date and citation.",
        about_zh="证据所取自的文献:类型、标题、日期和引用信息。",
        claims=False,
    ),
    Sheet(
        "evidence",
        "evidence",
        "证据",
        records=(Record("main", "id", fixed_type=FW.Evidence),),
        columns=(
            _id(),
            *_labels(),
            Column(
                "source",
                "source",
                "来源",
                Kind.REF,
                FW.source,
                required=True,
                note_en="the id of a row on the sources sheet",
                note_zh="资料来源表中的编号",
            ),
            Column("page", "page or section", "页码或章节", Kind.TEXT, FW.page),
            Column(
                "quote_zh",
                "quote (zh)",
                "引文(中文)",
                Kind.TEXT,
                FW.quote,
                lang="zh",
                multi=True,
                note_en="one quote per line",
                note_zh="每行一段引文",
            ),
            Column(
                "quote_en",
                "quote (en)",
                "引文(英文)",
                Kind.TEXT,
                FW.quote,
                lang="en",
                multi=True,
                note_en="one quote per line",
                note_zh="每行一段引文",
            ),
            _choice(
                "confidence", "confidence", "置信度", FW.confidence, "confidence", required=True
            ),
            Column(
                "coder",
                "coder",
                "编码者",
                Kind.CODER,
                FW.coder,
                note_en=CODER.note_en,
                note_zh=CODER.note_zh,
            ),
            Column(
                "coding_date",
                "coding date",
                "编码日期",
                Kind.DATE,
                FW.codingDate,
                note_en="YYYY-MM-DD",
                note_zh="YYYY-MM-DD",
            ),
            *_comments(),
        ),
        about_en="What each claim rests on: the source, the page or quote, the confidence (kept "
        "apart from the claimed value), the coder and the coding date. Claim rows name their "
        "evidence by id in their evidence column.",
        about_zh="每项编码结论的依据:来源、页码或引文、置信度(与所编码的值分开记录)、编码者和编码日期。"
        "各结论行在其“证据”列中以编号引用证据。",
    ),
    Sheet(
        "claims",
        "claims",
        "编码断言",
        records=(Record("main", "id", fixed_type=FW.Claim),),
        columns=(
            Column(
                "id",
                "id",
                "编号",
                Kind.ID,
                note_en="optional: left empty, the claim is named after its record, property, "
                "value and coder",
                note_zh="可留空:留空时按其记录、属性、值与编码者命名",
            ),
            Column(
                "record",
                "record",
                "所涉记录",
                Kind.REF,
                FW.claimAbout,
                required=True,
                note_en="the id of a row on another sheet (or a full IRI) whose value this claims",
                note_zh="其他工作表中某行的编号(或完整IRI),即本断言所涉的记录",
            ),
            _choice(
                "property", "property", "属性", FW.claimProperty, "claim_properties", required=True
            ),
            Column(
                "value",
                "value",
                "值",
                Kind.VALUE,
                FW.claimValue,
                required=True,
                note_en="as the property's own column takes it: a date in EDTF (2016-04 is "
                "compared as 2016-04-01), a label from the property's list, an id or a number",
                note_zh="按该属性所在列的写法填写:EDTF 日期(2016-04 按 2016-04-01 比较)、"
                "该属性列表中的名称、编号或数字",
            ),
            Column(
                "coder",
                "coder",
                "编码者",
                Kind.CODER,
                FW.codedBy,
                required=True,
                note_en="who makes this claim",
                note_zh="作出本断言的编码者",
            ),
            _choice(
                "confidence", "confidence", "置信度", FW.confidence, "confidence", required=True
            ),
            Column(
                "evidence",
                "evidence",
                "证据",
                Kind.REF,
                FW.hasEvidence,
                multi=True,
                target="evidence",
                note_en="ids on the evidence sheet, separated by ;",
                note_zh="证据表中的编号,以 ; 分隔",
            ),
            *_comments(),
        ),
        about_en="One coded value with its own evidence, confidence and coder: that a record "
        "(a row of another sheet) has a value for one property. The record's own cell stays the "
        "accepted value; a claim with the same value supports it, one with another value is a "
        "competing coding kept beside it.",
        about_zh="附有自身证据、置信度与编码者的单个编码值:某条记录(其他工作表中的一行)的某一属性取某一值。"
        "记录本身单元格中的值仍为采纳值;值相同的断言为其提供依据,值不同的断言作为并存的另一种编码保留。",
        claims=False,
    ),
)

OTHER = Sheet(
    "other",
    "other statements",
    "其他陈述",
    records=(),
    columns=(
        Column(
            "subject",
            "subject",
            "主语",
            Kind.TEXT,
            note_en="an id, prefix:name or <full IRI>",
            note_zh="编号、前缀:名称或<完整IRI>",
        ),
        Column(
            "predicate",
            "predicate",
            "谓语",
            Kind.TEXT,
            note_en="prefix:name or <full IRI>",
            note_zh="前缀:名称或<完整IRI>",
        ),
        Column(
            "object",
            "object",
            "宾语",
            Kind.TEXT,
            note_en="text, or an id / prefix:name / <IRI> when the next column says IRI",
            note_zh="文本;下一列为 IRI 时为编号、前缀:名称或<IRI>",
        ),
        Column(
            "datatype",
            "datatype or language",
            "数据类型或语言",
            Kind.TEXT,
            note_en="IRI, @en, @zh, xsd:date, … (empty: plain text)",
            note_zh="IRI、@en、@zh、xsd:date……(留空:普通文本)",
        ),
    ),
    about_en="Anything that fits no column above, one statement (subject, predicate, object) a "
    "row.",
    about_zh="不属于以上各列的内容,每行一条陈述(主语、谓语、宾语)。",
    claims=False,
)

CLAIMS = next(sheet for sheet in SHEETS if sheet.key == "claims")
ALL_SHEETS: tuple[Sheet, ...] = (*SHEETS, OTHER)


# ------------------------------------------------------------------------------------------------
# The properties a claim may give a value for, from the columns above
# ------------------------------------------------------------------------------------------------

# the kinds of cell whose value a scholar may dispute: a controlled value, a reference, a date, a
# number (labels, comments and free text are not claimed; nor are ids, coders and IRIs)
_CLAIMED_KINDS = (
    Kind.TYPE,
    Kind.CHOICE,
    Kind.REF,
    Kind.DATE,
    Kind.YEAR,
    Kind.INTEGER,
    Kind.NUMBER,
    Kind.BOOLEAN,
)
# a claim's own support, never a claimed value: its evidence, the evidence's source and
# confidence, and the coder
_SUPPORT = (FW.hasEvidence, FW.source, FW.confidence, FW.codedBy, FW.coder)


@dataclass(frozen=True)
class ClaimProperty:
    """A property a claim may give a value for: the column that reads and writes its value (the
    first that fills it) and, for a controlled value, every list its columns take values from."""

    predicate: URIRef
    column: Column
    lists: tuple[str, ...] = ()


def _claim_properties() -> dict[URIRef, ClaimProperty]:
    """Every property a column of a coded record's sheet fills with a value of a claimed kind
    (rdf:type with the kinds of every sheet: an actor's part and what it is, an action's or an
    artefact's kind), in the order of the sheets and their columns."""
    found: dict[URIRef, ClaimProperty] = {}
    for sheet in SHEETS:
        if not sheet.claims:  # the case, the sources and the claims themselves
            continue
        for column in sheet.columns:
            predicate = column.predicate
            if (
                predicate is None
                or column.kind not in _CLAIMED_KINDS
                or predicate in _SUPPORT
                or (column.kind is Kind.DATE and column.precision is None)
            ):
                continue
            known = found.get(predicate)
            lists = (column.choices,) if column.choices else ()
            if known is None:
                found[predicate] = ClaimProperty(predicate, column, lists)
            elif column.kind is not known.column.kind:  # pragma: no cover - the schema's own
                raise TypeError(f"{predicate} is filled by columns of two kinds")
            else:
                merged = known.lists + tuple(n for n in lists if n not in known.lists)
                found[predicate] = ClaimProperty(predicate, known.column, merged)
    return found


CLAIM_PROPERTIES: dict[URIRef, ClaimProperty] = _claim_properties()
LISTS["claim_properties"] = ControlledList(
    "claim_properties",
    "claimed properties",
    "断言属性",
    classes=tuple(CLAIM_PROPERTIES),
    labels=((RDF.type, "kind", "类别"),),
)
INSTRUCTIONS = ("instructions", "instructions", "填写说明")
LISTS_SHEET = ("lists", "lists", "列表")
