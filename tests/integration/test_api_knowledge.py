"""The knowledge base (R-KB) end to end on SQLite and a real PostgreSQL: versions, validity, Chinese
search ranking, index sync, ticket suggestions, 直办 citations, permissions and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from apiharness import Api

from ticketing.db.engine import make_sessionmaker
from ticketing.seed.demo import seed_demo_knowledge

ARTICLES = "/knowledge/articles"


def _article(code: str = "KB-TEST-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "title": "电动自行车上牌登记",
        "category": "交通",
        "department": "city.transport",
        "questions": ["电动车怎么上牌", "电动自行车需要登记吗"],
        "keywords": ["电动自行车", "上牌", "登记"],
        "answer": "携带购车发票、合格证和身份证到登记点办理上牌，当场发放号牌。",
        "special_cases": "发票遗失的，由销售商出具证明。",
        "valid_from": "2026-01-01",
    }
    body.update(overrides)
    return body


def _create(api: Api, **overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("leader", "POST", ARTICLES, expect=201, json=_article(**overrides))
    return result


def _seed(api: Api) -> None:
    with make_sessionmaker(api.engine).begin() as session:
        assert seed_demo_knowledge(session, now=api.clock) == 15


def _search(api: Api, q: str, user: str = "agent", **params: Any) -> list[str]:
    page = api.ok(user, "GET", "/knowledge/search", params={"q": q, **params})
    return [hit["code"] for hit in page["items"]]


def _error(api: Api, user: str, method: str, path: str, **kwargs: Any) -> tuple[int, str, dict[str, Any]]:
    response = api.call(user, method, path, **kwargs)
    body = response.json()
    return response.status_code, body["error_id"], body["details"]


def test_create_edit_and_read_versions(api: Api) -> None:
    created = _create(api, code="kb-test-0001")  # codes are upper-cased
    assert (created["code"], created["status"], created["current_version"]) == ("KB-TEST-0001", "draft", 1)
    assert created["created_by"] == created["updated_by"] == "leader"
    assert created["current"]["department_code"] == "city.transport"
    assert created["valid_today"] is True

    api.clock.advance(hours=1)
    edited = api.ok(
        "leader",
        "PATCH",
        f"{ARTICLES}/KB-TEST-0001",
        json={
            "expected_version": 1,
            "answer": "可在线预约后到登记点办理上牌，当场发放号牌。",
            "change_note": "增加线上预约",
        },
    )
    assert edited["current_version"] == 2
    assert edited["current"]["answer"].startswith("可在线预约")
    assert edited["current"]["questions"] == _article()["questions"]  # unchanged fields carry over
    assert [(v["number"], v["change_note"]) for v in edited["history"]] == [(1, None), (2, "增加线上预约")]
    assert edited["updated_at"] > edited["created_at"]

    old = api.ok("agent", "GET", f"{ARTICLES}/{created['id']}/versions/1")
    assert (old["current_version"], old["version"]["number"]) == (2, 1)
    assert old["version"]["answer"] == _article()["answer"]
    current = api.ok("agent", "GET", f"{ARTICLES}/KB-TEST-0001")
    assert current["current"]["answer"] == edited["current"]["answer"]

    cleared = api.ok(
        "admin", "PATCH", f"{ARTICLES}/KB-TEST-0001", json={"expected_version": 2, "special_cases": None}
    )
    assert (cleared["current_version"], cleared["current"]["special_cases"]) == (3, None)
    assert api.ok("agent", "GET", f"{ARTICLES}/KB-TEST-0001/versions/2")["version"]["special_cases"]

    stale = _error(
        api, "leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json={"expected_version": 2, "title": "x"}
    )
    assert stale[:2] == (409, "stale_version")
    assert stale[2]["current_version"] == 3
    assert _error(api, "leader", "POST", ARTICLES, json=_article())[:2] == (409, "code_taken")
    assert _error(api, "agent", "GET", f"{ARTICLES}/KB-NONE-0001")[:2] == (404, "not_found")
    assert _error(api, "agent", "GET", f"{ARTICLES}/KB-TEST-0001/versions/9")[:2] == (404, "not_found")

    published = api.ok("leader", "POST", f"{ARTICLES}/KB-TEST-0001/publish", json={"expected_version": 3})
    assert published["status"] == "published"
    assert _error(api, "leader", "POST", f"{ARTICLES}/KB-TEST-0001/publish", json={})[:2] == (409, "conflict")
    listed = api.ok("agent", "GET", ARTICLES, params={"status": "published"})
    assert [(a["code"], a["version"]) for a in listed["items"]] == [("KB-TEST-0001", 3)]


def test_roles(api: Api) -> None:
    assert _error(api, "housing", "POST", ARTICLES, json=_article())[:2] == (403, "permission_denied")
    assert _error(api, "agent", "POST", ARTICLES, json=_article())[:2] == (403, "permission_denied")
    assert api.call(None, "GET", "/knowledge/search", params={"q": "电动车"}).status_code == 401
    _create(api)
    _create(api, code="KB-TEST-0002", title="草稿条目")
    assert _error(api, "agent", "POST", f"{ARTICLES}/KB-TEST-0001/publish", json={})[0] == 403
    patch = {"expected_version": 1, "title": "改"}
    assert _error(api, "agent", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=patch)[0] == 403
    assert _error(api, "housing", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=patch)[0] == 403
    assert api.ok("agent", "GET", f"{ARTICLES}/KB-TEST-0001")["status"] == "draft"
    # Departments read published articles only; a draft is reported as missing.
    assert _error(api, "housing", "GET", f"{ARTICLES}/KB-TEST-0001")[:2] == (404, "not_found")
    api.ok("admin", "POST", f"{ARTICLES}/KB-TEST-0001/publish", json={})
    assert api.ok("housing", "GET", f"{ARTICLES}/KB-TEST-0001")["status"] == "published"
    assert [a["code"] for a in api.ok("housing", "GET", ARTICLES)["items"]] == ["KB-TEST-0001"]
    drafts = api.ok("housing", "GET", ARTICLES, params={"status": "draft"})
    assert drafts["items"] == []
    assert len(api.ok("agent", "GET", ARTICLES)["items"]) == 2
    assert _search(api, "电动车上牌", user="housing") == ["KB-TEST-0001"]


def test_bad_input_is_typed(api: Api) -> None:
    backwards = _article(valid_from="2026-12-01", valid_to="2026-11-01")
    status, error_id, details = _error(api, "leader", "POST", ARTICLES, json=backwards)
    assert (status, error_id, details["field"]) == (422, "invalid_input", "valid_to")
    for bad in ({"code": "not a code"}, {"answer": ""}, {"title": "x" * 201}, {"questions": "x"}):
        assert _error(api, "leader", "POST", ARTICLES, json=_article(**bad))[:2] == (422, "invalid_input")
    assert _error(api, "leader", "POST", ARTICLES, json=_article(department="no.such"))[0] == 404
    _create(api)
    early = {"expected_version": 1, "valid_to": "2025-12-31"}  # before the kept valid_from 2026-01-01
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=early)[:2] == (
        422,
        "invalid_input",
    )
    same = {"expected_version": 1, "title": _article()["title"]}
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=same)[0] == 422
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json={"title": "x"})[0] == 422
    nulled = {"expected_version": 1, "answer": None}
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=nulled)[:2] == (
        422,
        "invalid_input",
    )
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-NONE-0001", json=same)[0] == 404
    assert _error(api, "agent", "GET", "/knowledge/search", params={"q": ""})[:2] == (422, "invalid_input")
    assert _error(api, "agent", "GET", "/knowledge/search")[:2] == (422, "invalid_input")
    status, error_id, details = _error(api, "agent", "GET", "/knowledge/search", params={"q": "的了吗？"})
    assert (status, error_id, details["field"]) == (422, "invalid_input", "q")
    assert _error(api, "agent", "GET", "/knowledge/search", params={"q": "a\x00b"})[0] == 422
    expired = _article(code="KB-TEST-0009", valid_from="2025-01-01", valid_to="2025-12-31", publish=True)
    assert _error(api, "leader", "POST", ARTICLES, json=expired)[:2] == (422, "invalid_input")


def test_validity_windows_hide_expired_and_future_articles(api: Api) -> None:
    _create(api, code="KB-TEST-0001", valid_from="2026-01-01", valid_to="2026-12-31", publish=True)
    _create(api, code="KB-TEST-0002", valid_from="2027-01-01", valid_to=None, publish=True)
    _create(api, code="KB-TEST-0003", title="电动自行车上牌（草稿）")  # draft: never searchable
    assert _search(api, "电动车怎么上牌") == ["KB-TEST-0001"]
    assert sorted(_search(api, "电动车怎么上牌", include_expired="true")) == ["KB-TEST-0001", "KB-TEST-0002"]
    ticket = api.new_ticket(category="consult", title="电动车上牌", content="新买的电动自行车怎么上牌？")
    suggested = api.ok("agent", "GET", f"/tickets/{ticket['number']}/knowledge-suggestions")
    assert [s["code"] for s in suggested] == ["KB-TEST-0001"]

    api.clock.now = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 on 1 January 2027 in Shanghai
    assert _search(api, "电动车怎么上牌") == ["KB-TEST-0002"]
    suggested = api.ok("agent", "GET", f"/tickets/{ticket['number']}/knowledge-suggestions")
    assert [s["code"] for s in suggested] == ["KB-TEST-0002"]
    hits = api.ok("agent", "GET", "/knowledge/search", params={"q": "电动车上牌", "include_expired": True})
    assert {h["code"]: h["valid_today"] for h in hits["items"]} == {
        "KB-TEST-0001": False,
        "KB-TEST-0002": True,
    }
    assert api.ok("agent", "GET", f"{ARTICLES}/KB-TEST-0001")["valid_today"] is False


RANKING = [
    ("社保卡丢了怎么补办", "KB-SB-0001"),
    ("公积金提取需要什么材料", "KB-GJJ-0001"),
    ("新生儿落户", "KB-HJ-0001"),
    ("居住证办理", "KB-HJ-0002"),
    ("噪音投诉处理流程", "KB-HB-0001"),
    ("在外地住院医保能报销吗", "KB-YB-0001"),
    ("公司三个月不发工资怎么办", "KB-LD-0001"),
    ("被辞退了能不能领失业金", "KB-SB-0003"),
    ("想开个小店办营业执照", "KB-SC-0001"),
    ("孩子明年上小学怎么报名", "KB-JY-0001"),
    ("二手房过户要带什么", "KB-BDC-0001"),
    ("物业不给修电梯", "KB-WY-0001"),
    ("出租车绕路多收钱", "KB-JT-0001"),
    ("养老金怎么领", "KB-SB-0002"),
    ("楼下饭店占道经营", "KB-CG-0001"),
]


def test_chinese_search_puts_the_right_article_first(api: Api) -> None:
    _seed(api)
    firsts = {q: (_search(api, q) or ["-"])[0] for q, _ in RANKING}
    assert firsts == dict(RANKING)
    # Full-width and mixed case match the same way.
    assert _search(api, "ＳＯＳ 社保卡　丢了")[0] == "KB-SB-0001"

    question = "社保卡 养老金 失业金"
    everything = _search(api, question, page_size=50)
    assert {"KB-SB-0001", "KB-SB-0002", "KB-SB-0003"} <= set(everything[:3])
    page = api.ok("agent", "GET", "/knowledge/search", params={"q": question, "page_size": 2})
    assert (page["total"], len(page["items"])) == (len(everything), 2)
    scores = [h["score"] for h in page["items"]]
    assert scores == sorted(scores, reverse=True)
    rest = _search(api, question, page_size=2, page=2)
    assert [h["code"] for h in page["items"]] + rest == everything[:4]

    assert sorted(_search(api, "办理", category="户籍")) == ["KB-HJ-0001", "KB-HJ-0002"]
    assert set(_search(api, "投诉", department="city.transport")) == {"KB-JT-0001"}
    assert (
        _error(api, "agent", "GET", "/knowledge/search", params={"q": "投诉", "department": "no.such"})[0]
        == 404
    )


def test_index_follows_edits_retire_and_republish(api: Api) -> None:
    _seed(api)
    _create(api, publish=True)
    assert _search(api, "电动车上牌")[0] == "KB-TEST-0001"
    rewritten = {
        "expected_version": 1,
        "title": "电动自行车挂牌登记",
        "questions": ["电动车怎么挂牌"],
        "keywords": ["挂牌"],
        "answer": "携带发票到登记点办理挂牌。",
        "special_cases": None,
    }
    api.ok("leader", "PATCH", f"{ARTICLES}/KB-TEST-0001", json=rewritten)
    assert "KB-TEST-0001" not in _search(api, "上牌")
    assert _search(api, "挂牌")[0] == "KB-TEST-0001"

    assert _search(api, "社保卡补办")[0] == "KB-SB-0001"
    api.ok("leader", "POST", f"{ARTICLES}/KB-SB-0001/retire", json={"reason": "政策调整"})
    assert "KB-SB-0001" not in _search(api, "社保卡补办")
    assert "KB-SB-0001" not in _search(api, "社保卡补办", include_expired=True)  # retired is not expired
    api.ok("leader", "POST", f"{ARTICLES}/KB-SB-0001/publish", json={"expected_version": 1})
    assert _search(api, "社保卡补办")[0] == "KB-SB-0001"
    assert api.ok("leader", "POST", f"{ARTICLES}/KB-SB-0001/retire", json={})["status"] == "retired"
    patch = {"expected_version": 1, "title": "再改"}
    assert _error(api, "leader", "PATCH", f"{ARTICLES}/KB-SB-0001", json=patch)[:2] == (409, "conflict")


def test_suggestions_for_a_ticket(api: Api) -> None:
    _seed(api)
    ticket = api.new_ticket(
        category="consult",
        title="社保卡遗失",
        content="您好，我昨天在公交车上把社保卡弄丢了，想问一下现在怎么挂失，补办要带什么。",
    )
    suggested = api.ok(
        "agent", "GET", f"/tickets/{ticket['number']}/knowledge-suggestions", params={"limit": 3}
    )
    assert suggested[0]["code"] == "KB-SB-0001"
    assert suggested[0]["answer"].startswith("社保卡丢失后")
    assert len(suggested) <= 3
    noise = api.new_ticket(category="complaint")  # 夜间施工噪音 (the harness default)
    assert (
        api.ok("agent", "GET", f"/tickets/{noise['number']}/knowledge-suggestions")[0]["code"] == "KB-HB-0001"
    )
    # The ticket must be visible: the housing unit has not been dispatched this one.
    assert _error(api, "housing", "GET", f"/tickets/{ticket['number']}/knowledge-suggestions")[0] == 404
    assert _error(api, "agent", "GET", "/tickets/20990101-000001/knowledge-suggestions")[0] == 404
    assert _error(api, "agent", "GET", f"/tickets/{ticket['number']}/knowledge-suggestions?limit=0")[0] == 422


@pytest.mark.parametrize("by_id", [False, True])
def test_direct_answer_records_the_article_version(api: Api, by_id: bool) -> None:
    _seed(api)
    article = api.ok("agent", "GET", f"{ARTICLES}/KB-SB-0001")
    ref = article["id"] if by_id else "KB-SB-0001"
    number = api.new_ticket(category="consult", title="社保卡补办", content="社保卡丢了怎么补办")["number"]
    done = api.act("agent", number, "answer_directly", knowledge_ref=ref)
    assert (done["status"], done["knowledge_ref"]) == ("completed", "KB-SB-0001")

    # A later edit does not change what was answered.
    api.ok("leader", "PATCH", f"{ARTICLES}/KB-SB-0001", json={"expected_version": 1, "answer": "新的口径"})
    event = api.ok("agent", "GET", f"/tickets/{number}/events")[-1]
    assert event["action"] == "answer_directly"
    assert event["payload"]["knowledge_ref"] == "KB-SB-0001"
    assert event["payload"]["knowledge_version"] == 1
    assert event["payload"]["knowledge_article_id"] == article["id"]
    said = api.ok("agent", "GET", f"{ARTICLES}/KB-SB-0001/versions/{event['payload']['knowledge_version']}")
    assert said["version"]["answer"] == article["current"]["answer"]

    second = api.new_ticket(category="consult", title="社保卡补办")["number"]
    assert api.act("agent", second, "answer_directly", knowledge_ref=ref)["knowledge_ref"] == "KB-SB-0001"
    assert api.ok("agent", "GET", f"/tickets/{second}/events")[-1]["payload"]["knowledge_version"] == 2


def test_direct_answer_refuses_unusable_articles(api: Api) -> None:
    _seed(api)
    _create(api, code="KB-TEST-0001")  # draft
    _create(api, code="KB-TEST-0002", valid_from="2027-01-01", publish=True)
    _create(api, code="KB-TEST-0003", valid_to="2026-12-31", publish=True)
    api.ok("leader", "POST", f"{ARTICLES}/KB-GJJ-0001/retire", json={})

    def refused(ref: str) -> tuple[int, str, str]:
        number = api.new_ticket(category="consult", title="政策咨询")["number"]
        status, error_id, details = _error(
            api, "agent", "POST", f"/tickets/{number}/answer_directly", json={"knowledge_ref": ref}
        )
        assert api.ok("agent", "GET", f"/tickets/{number}")["status"] == "registered"  # nothing happened
        assert details["field"] == "knowledge_ref"
        return status, error_id, details["problem"]

    assert refused("KB-2026-0012") == (422, "invalid_input", "unknown")
    assert refused("KB-GJJ-0001") == (422, "invalid_input", "not_published:retired")
    assert refused("KB-TEST-0001") == (422, "invalid_input", "not_published:draft")
    assert refused("KB-TEST-0002") == (422, "invalid_input", "not_yet_valid")
    number = api.new_ticket(category="consult")["number"]
    assert (
        api.act("agent", number, "answer_directly", knowledge_ref="kb-test-0003")["knowledge_ref"]
        == "KB-TEST-0003"
    )
    api.clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Shanghai
    assert refused("KB-TEST-0003") == (422, "invalid_input", "expired")
