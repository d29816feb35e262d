"""Seeded knowledge-base articles and caller questions for the search benchmark (pure; no I/O).

Articles are combinations of a **topic** (社保卡补办, 异地就医备案, 公积金提取, … with its category and
its words), a **title template** (办理流程, 所需材料, 收费标准, …) and a **place** (a district or street):
``东城区社保卡补办所需材料``. Each has a standard answer of 4–7 sentences built from answer templates
(where to go, what to bring, how long, what it costs, online options, special cases), two or three
questions the way callers ask, and keywords. Everything is drawn from ``random.Random(seed)``, so a seed
always gives the same articles in the same order. About 92 % are published (5 % draft, 3 % retired);
about 5 % of the published ones expired before :data:`bench.datagen.ANCHOR`, 3 % start after it.

Questions are what a caller says to an agent (``请问东城区社保卡丢了怎么补办``): a topic word (or a
colloquial alias), often a place, a question pattern; 10 % ask about things no article covers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from bench.datagen import ANCHOR

# (topic, category, aliases a caller may use, materials, office)
TOPICS: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("社保卡补办", "社保", ("社保卡丢了", "社会保障卡挂失"), "身份证、一寸照片", "社保服务窗口"),
    ("社保转移接续", "社保", ("社保转到外地", "养老保险转移"), "身份证、参保缴费凭证", "社保经办机构"),
    ("养老金领取", "社保", ("退休金怎么领", "养老金发放"), "身份证、退休审批表", "社保经办机构"),
    ("失业金申领", "社保", ("失业保险金", "失业了领钱"), "身份证、解除劳动合同证明", "就业服务中心"),
    ("灵活就业参保", "社保", ("自由职业交社保", "个人缴纳社保"), "身份证、户口本", "社保服务窗口"),
    ("医保异地就医备案", "医保", ("外地看病报销", "异地就医"), "身份证、医保卡", "医保服务大厅"),
    ("医保报销", "医保", ("看病报销", "住院报销"), "医保卡、发票、费用清单", "医保服务大厅"),
    ("新生儿参保", "医保", ("小孩办医保", "宝宝医保"), "出生医学证明、户口本", "医保服务大厅"),
    ("公积金提取", "公积金", ("取公积金", "住房公积金提取"), "身份证、购房合同或租房合同", "公积金管理中心"),
    (
        "公积金贷款",
        "公积金",
        ("公积金买房贷款", "公积金贷款额度"),
        "身份证、婚姻证明、购房合同",
        "公积金管理中心",
    ),
    ("居住证办理", "户籍", ("办居住证", "暂住证"), "身份证、租房合同、一寸照片", "派出所户籍窗口"),
    ("新生儿落户", "户籍", ("小孩上户口", "宝宝落户"), "出生医学证明、父母户口本", "派出所户籍窗口"),
    ("随迁落户", "户籍", ("投靠落户", "父母随迁"), "户口本、关系证明", "派出所户籍窗口"),
    ("身份证补办", "户籍", ("身份证丢了", "补身份证"), "户口本、近期照片", "派出所户籍窗口"),
    ("积分入学", "教育", ("外地孩子上学", "积分上学"), "居住证、社保缴费证明", "区教育局"),
    ("义务教育招生", "教育", ("小学报名", "初中报名"), "户口本、房产证明", "区教育局"),
    ("不动产登记", "住房", ("房产证办理", "过户登记"), "身份证、购房合同、完税证明", "不动产登记中心"),
    ("公租房申请", "住房", ("申请公租房", "廉租房"), "身份证、收入证明、住房证明", "住房保障中心"),
    ("物业费纠纷", "住房", ("物业乱收费", "物业费太贵"), "物业合同、缴费凭证", "街道物业管理办公室"),
    ("电动自行车充电", "城管", ("电瓶车充电", "充电桩安装"), "小区物业同意书", "街道办事处"),
    ("违章搭建", "城管", ("私搭乱建", "违建举报"), "现场照片、具体地址", "城市管理执法队"),
    ("占道经营", "城管", ("摆摊占道", "流动摊贩"), "现场照片、具体地址", "城市管理执法队"),
    ("夜间施工噪音", "环保", ("晚上施工吵", "工地噪音扰民"), "现场录音、具体地址", "生态环境局"),
    ("餐饮油烟", "环保", ("饭店油烟", "油烟扰民"), "现场照片、店铺名称", "生态环境局"),
    ("燃气报修", "公用事业", ("煤气漏气", "燃气维修"), "用户编号、具体地址", "燃气公司客服"),
    ("停水通知", "公用事业", ("突然停水", "什么时候来水"), "用户编号、具体地址", "供水公司客服"),
    ("停电报修", "公用事业", ("突然停电", "电路故障"), "用户编号、具体地址", "供电公司客服"),
    ("营业执照办理", "市场监管", ("开公司执照", "办执照"), "身份证、经营场所证明", "市场监督管理局"),
    ("个体工商户注册", "市场监管", ("开个体店", "个体户"), "身份证、经营场所证明", "市场监督管理局"),
    ("食品安全投诉", "市场监管", ("吃坏肚子", "过期食品"), "购物小票、商品照片", "市场监督管理局"),
    ("消费维权", "市场监管", ("退货不退款", "商家欺诈"), "购物凭证、聊天记录", "消费者协会"),
    ("拖欠工资", "劳动", ("老板不发工资", "讨薪"), "劳动合同、考勤记录、工资条", "劳动保障监察大队"),
    ("劳动仲裁", "劳动", ("申请仲裁", "劳动纠纷"), "仲裁申请书、劳动合同", "劳动人事争议仲裁院"),
    ("出生医学证明", "卫健", ("出生证", "出生证明补办"), "父母身份证、住院病历", "妇幼保健院"),
    ("疫苗接种预约", "卫健", ("打疫苗", "儿童疫苗"), "接种证、身份证", "社区卫生服务中心"),
    ("老年人优待证", "民政", ("老年证", "老人免费乘车"), "身份证、一寸照片", "街道民政办"),
    ("低保申请", "民政", ("最低生活保障", "困难补助"), "身份证、户口本、收入证明", "街道民政办"),
    ("残疾人补贴", "民政", ("残疾补助", "残疾人证"), "残疾人证、身份证", "区残联"),
    ("公交线路咨询", "交通", ("坐几路车", "公交改线"), "无需材料", "公交集团客服"),
    ("机动车违章处理", "交通", ("交通违章", "罚单处理"), "驾驶证、行驶证", "交警大队"),
)
TITLE_TEMPLATES: tuple[str, ...] = (
    "{place}{topic}办理流程",
    "{place}{topic}所需材料",
    "{place}{topic}办理时限",
    "{place}{topic}收费标准",
    "{place}{topic}常见问题解答",
    "{place}{topic}线上办理指南",
    "{place}{topic}政策解读",
    "{place}{topic}办理地点及时间",
    "{place}{topic}特殊情况处理",
    "{place}{topic}投诉与咨询渠道",
    "{place}{topic}进度查询",
    "{place}{topic}注意事项",
)
PLACES: tuple[str, ...] = (
    "东城区", "西城区", "高新区", "经开区", "滨江区", "南湖区", "北山区", "新城区",
    "和平街道", "新华街道", "金桥街道", "人民路街道", "解放路街道", "建设街道", "长安镇", "青山镇",
    "临江镇", "白沙镇", "城关镇", "文化街道", "朝阳街道", "胜利街道", "光明街道", "幸福街道", "东风街道",
)  # fmt: skip
ANSWER_SENTENCES: tuple[str, ...] = (
    "市民办理{topic}，可携带{materials}到{place}{office}办理。",
    "{office}工作时间为周一至周五上午9:00至12:00、下午14:00至17:30，法定节假日除外。",
    "材料齐全的，{topic}一般在{days}个工作日内办结；材料不全的，窗口一次性告知需补正的内容。",
    "{topic}不收取任何费用，请勿相信任何代办收费信息。",
    "也可以通过“{app}”手机应用或政务服务网在线申请{topic}，上传{materials}的电子版即可。",
    "办理进度可通过“{app}”查询，也可拨打12345热线转{office}查询。",
    "委托他人代办的，还需提供委托书和代办人身份证。",
    "{place}居民如行动不便，可预约{office}工作人员上门服务。",
    "对办理结果有异议的，可在收到结果之日起60日内申请复核。",
    "根据本市有关规定，{topic}的具体条件以{office}最新公告为准。",
)
SPECIAL_CASES: tuple[str, ...] = (
    "外籍人员和港澳台居民办理{topic}的，请先电话咨询{office}。",
    "情况紧急的，可申请加急办理，{office}将在2个工作日内处理。",
    "涉及多个部门的{topic}事项，由{office}牵头协调。",
)
QUESTION_TEMPLATES: tuple[str, ...] = (
    "请问{place}{topic}需要带什么材料",
    "{alias}怎么办",
    "我想问一下{topic}在哪里办",
    "{place}{alias}找哪个部门",
    "{topic}多久能办好",
    "{topic}收费吗",
    "{alias}，{place}的，能不能网上办",
    "你好，{topic}的进度怎么查",
)
UNRELATED: tuple[str, ...] = (
    "我家门口的路灯坏了好几天了",
    "小区里的流浪狗太多了",
    "隔壁装修把我家墙震裂了",
    "今天的天气预报怎么查",
    "河边有人钓鱼不安全",
    "快递柜收费太贵",
    "公园的厕所没有纸",
    "地铁站的电梯坏了",
)
APPS = ("浙里办", "随申办", "粤省事", "i城市")
STATUS_WEIGHTS = (("published", 0.92), ("draft", 0.05), ("retired", 0.03))


@dataclass(frozen=True, slots=True)
class Article:
    """One generated article (its single version)."""

    code: str
    status: str
    title: str
    category: str
    questions: tuple[str, ...]
    answer: str
    special_cases: str | None
    keywords: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None


def articles(n: int, seed: int = 12345) -> list[Article]:
    """``n`` distinct articles (topic × title template × place; cycles with an edition number past 12,000)."""
    rng = random.Random(f"{seed}:kb")
    combos = [
        (t, k, p) for t in range(len(TOPICS)) for k in range(len(TITLE_TEMPLATES)) for p in range(len(PLACES))
    ]
    rng.shuffle(combos)
    today = ANCHOR.date()
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    out: list[Article] = []
    for i in range(n):
        topic_i, template_i, place_i = combos[i % len(combos)]
        topic, category, aliases, materials, office = TOPICS[topic_i]
        place = PLACES[place_i]
        title = TITLE_TEMPLATES[template_i].format(place=place, topic=topic)
        if i >= len(combos):
            title += f"（第{i // len(combos) + 1}版）"
        values = {
            "topic": topic,
            "place": place,
            "materials": materials,
            "office": office,
            "days": rng.choice((3, 5, 7, 10, 15, 20)),
            "app": rng.choice(APPS),
        }
        sentences = [ANSWER_SENTENCES[0], *rng.sample(ANSWER_SENTENCES[1:], rng.randint(3, 6))]
        answer = "".join(s.format(**values) for s in sentences)
        special = rng.choice(SPECIAL_CASES).format(**values) if rng.random() < 0.3 else None
        questions = tuple(
            q.format(place=place, topic=topic, alias=rng.choice(aliases))
            for q in rng.sample(QUESTION_TEMPLATES, rng.randint(2, 3))
        )
        status = rng.choices(statuses, weights)[0]
        valid_from: date | None = None
        valid_to: date | None = None
        window = rng.random()
        if window < 0.05:
            valid_to = today - timedelta(days=rng.randint(1, 300))  # expired
            valid_from = valid_to - timedelta(days=365)
        elif window < 0.08:
            valid_from = today + timedelta(days=rng.randint(1, 60))  # not yet valid
        elif window < 0.30:
            valid_from = today - timedelta(days=rng.randint(1, 700))
            valid_to = today + timedelta(days=rng.randint(30, 700))
        out.append(
            Article(
                code=f"KB-{category_code(category)}-{i + 1:05d}",
                status=status,
                title=title,
                category=category,
                questions=questions,
                answer=answer,
                special_cases=special,
                keywords=(topic, *aliases[:1], place),
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
    return out


def category_code(category: str) -> str:
    """A short ASCII code of a topic category for article codes (``KB-C3-00001``)."""
    names = sorted({t[1] for t in TOPICS})
    return f"C{names.index(category) + 1}"


def questions(n: int, seed: int = 12345) -> list[str]:
    """``n`` caller questions; about 10 % about things no article covers."""
    rng = random.Random(f"{seed}:kb-questions")
    out: list[str] = []
    for _ in range(n):
        if rng.random() < 0.10:
            out.append(rng.choice(UNRELATED))
            continue
        topic, _category, aliases, _materials, _office = rng.choice(TOPICS)
        place = rng.choice(PLACES)
        template = rng.choice(QUESTION_TEMPLATES)
        out.append(template.format(place=place, topic=topic, alias=rng.choice(aliases)))
    return out
