"""Room creation and configuration from real clients (XEP-0045 §10), through a real Prosody, each flow run
against roomd (chat.localhost) and against Prosody 0.12's own MUC (muc.localhost) on the same server, and the
stanzas compared as XML once the room's domain, `id`s and `xml:lang` are normalised.

Where the two differ on purpose, the comparison says so (see RoomConfigForm.swift): error stanzas are
compared by condition (Prosody adds text and `by`), and disco and form fields by the ones both carry.

Run: MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 -m pytest Tests/integration/test_xmpp_owner.py -q
"""

import copy
import time

import pytest

import http_helpers as HH
import xmpp_helpers as XH
from xmpp_helpers import (NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC_ADMIN, ejabberd, error_condition,  # noqa: F401
                          is_message, is_presence, new_room, show, status_codes)

PROSODY_MUC = "muc.localhost"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DATA = "jabber:x:data"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"


class ProsodyWithMUC(XH.Prosody):
    """The test Prosody, plus its own MUC as the reference."""

    def __init__(self):
        super().__init__()
        with open(self.config, "a") as f:
            f.write('\nComponent "%s" "muc"\n' % PROSODY_MUC)


@pytest.fixture(scope="module")
def server():
    XH.ensure_apt("prosody", "prosody")
    XH.ensure_slixmpp()
    p = ProsodyWithMUC()
    p.start()
    yield p
    p.cleanup()


@pytest.fixture
def xroomd(server, bins):
    yield from XH.attached_roomd(server)


@pytest.fixture
def clients(server, xroomd):
    yield from XH.connected_clients(server)


def normalised(st, room):
    """The stanza with its room written ROOM@ROOMS and the service ROOMS, without ids, xml:lang and
    XEP-0421 occupant ids (Prosody's MUC adds them; roomd does not implement XEP-0421), for comparison
    across services."""
    domain = room.split("@")[1]
    st = XH.without_attrs(st, (XH.XML_LANG, "id"))
    for el in st.iter():
        for child in [c for c in el if c.tag == "{urn:xmpp:occupant-id:0}occupant-id"]:
            el.remove(child)
        for k, v in list(el.attrib.items()):
            el.attrib[k] = v.replace(room, "ROOM@ROOMS").replace(domain, "ROOMS")
        if el.text:
            el.text = el.text.replace(room, "ROOM@ROOMS").replace(domain, "ROOMS")
    return st


def form_fields(form):
    """var -> values; a field with no value read as XEP-0004 reads it (false, or empty), since Prosody omits
    the value of a false boolean or an empty text and roomd writes it."""
    out = {}
    for f in form.findall("{%s}field" % NS_DATA):
        if f.get("var"):
            values = [v.text or "" for v in f.findall("{%s}value" % NS_DATA)]
            if not values and f.get("type") == "boolean":
                values = ["0"]
            elif not values and f.get("type") in ("text-single", "text-private"):
                values = [""]
            out[f.get("var")] = values
    return out


def submit(fields):
    body = "".join("<field var='%s'>%s</field>" % (k, "".join("<value>%s</value>" % XH.xml_escape(v) for v in vs))
                   for k, vs in [("FORM_TYPE", [ROOMCONFIG])] + sorted(fields.items()))
    return "<query xmlns='%s'><x xmlns='%s' type='submit'>%s</x></query>" % (NS_OWNER, NS_DATA, body)


def private_group(cs, domain):
    """Conversations' "create private group": join (201), get the form, submit members-only + whois anyone +
    persistent, make the invitee a member, and the invitee joins. Returns what each side saw, in order."""
    room = new_room("group").replace(XH.MUC, domain)
    r, j, n = cs.connect("romeo"), cs.connect("juliet"), cs.connect("nurse")
    seen = {}
    seen["create"] = r.join(room, "romeo")
    seen["locked"] = j.join(room, "juliet", expect_error=True)
    form = r.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
    seen["form"] = form
    pos = r.mark()
    seen["submit"] = r.iq(room, submit({"muc#roomconfig_roomname": ["Verona"],
                                        "muc#roomconfig_persistentroom": ["1"],
                                        "muc#roomconfig_membersonly": ["1"],
                                        "muc#roomconfig_whois": ["anyone"],
                                        "muc#roomconfig_publicroom": ["0"]}))
    seen["announce"] = r.wait(lambda s: is_message(s) and s.get("from") == room, pos, 5, what="104 message")
    seen["outsider"] = n.join(room, "nurse", expect_error=True)
    seen["member"] = r.iq(room, "<query xmlns='%s'><item affiliation='member' jid='%s'/></query>" % (
        NS_MUC_ADMIN, j.jid.split("/")[0]))
    pos = r.mark()
    seen["invitee"] = j.join(room, "juliet")
    seen["owner-sees"] = r.wait(lambda s: is_presence(s) and s.get("from") == room + "/juliet", pos, 5)
    seen["info"] = r.iq(room, "<query xmlns='%s'/>" % NS_DISCO_INFO, "get")
    seen["items"] = r.iq(domain, "<query xmlns='%s'/>" % NS_DISCO_ITEMS, "get")
    destroy = "<query xmlns='%s'><destroy jid='%s'><reason>Moving</reason></destroy></query>" % (
        NS_OWNER, "orchard@" + domain)
    pos = j.mark()
    seen["destroy"] = r.iq(room, destroy)
    seen["destroyed"] = j.wait(lambda s: is_presence(s) and s.get("type") == "unavailable", pos, 5)
    return room, seen


def test_private_group_as_conversations_creates_it_like_prosodys_muc(server, xroomd, clients):
    ours_room, ours = private_group(clients, XH.MUC)
    theirs_room, theirs = private_group(clients, PROSODY_MUC)

    def same(key, ours_st, theirs_st):
        XH.assert_stanza(normalised(ours_st, ours_room), normalised(theirs_st, theirs_room), what=key)

    # the creator's join: 110 + 201, then the empty subject
    assert "201" in status_codes(ours["create"][0]), show(ours["create"][0])
    for a, b in zip(ours["create"], theirs["create"]):
        same("create", a, b)
    # a locked room is not there yet
    assert error_condition(ours["locked"][-1]) == error_condition(theirs["locked"][-1]) == ("cancel", "item-not-found")
    # the form: FORM_TYPE and every field Prosody's carries that roomd implements
    ours_form = form_fields(ours["form"].find("{%s}query/{%s}x" % (NS_OWNER, NS_DATA)))
    theirs_form = form_fields(theirs["form"].find("{%s}query/{%s}x" % (NS_OWNER, NS_DATA)))
    shared = {"FORM_TYPE", "muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_lang",
              "muc#roomconfig_persistentroom", "muc#roomconfig_publicroom", "muc#roomconfig_roomsecret",
              "muc#roomconfig_membersonly", "muc#roomconfig_changesubject", "muc#roomconfig_moderatedroom",
              "muc#roomconfig_whois"}
    assert shared <= set(theirs_form), sorted(theirs_form)
    assert {k: ours_form[k] for k in shared} == {k: theirs_form[k] for k in shared}
    # the submission, its 104 + 172, the outsider refused, the member in
    same("submit result", ours["submit"], theirs["submit"])
    same("104 message", ours["announce"], theirs["announce"])
    assert error_condition(ours["outsider"][-1]) == error_condition(theirs["outsider"][-1]) == (
        "auth", "registration-required")
    same("member result", ours["member"], theirs["member"])
    assert len(ours["invitee"]) == len(theirs["invitee"]), (ours["invitee"], theirs["invitee"])
    for a, b in zip(ours["invitee"], theirs["invitee"]):
        same("invitee's join", a, b)
    same("the owner's view of the invitee", ours["owner-sees"], theirs["owner-sees"])
    # disco#info: the same muc_* features
    def features(res):
        q = res.find("{%s}query" % NS_DISCO_INFO)
        return {f.get("var") for f in q.findall("{%s}feature" % NS_DISCO_INFO) if f.get("var").startswith("muc_")}
    assert features(ours["info"]) == features(theirs["info"]), (features(ours["info"]), features(theirs["info"]))
    # hidden: not listed
    for res, room in ((ours["items"], ours_room), (theirs["items"], theirs_room)):
        assert room not in [i.get("jid") for i in res.find("{%s}query" % NS_DISCO_ITEMS)], show(res)
    # destroy with a reason and an alternate venue
    same("destroy result", ours["destroy"], theirs["destroy"])
    # the occupant's own copy may name its own JID (Prosody does; roomd, as in test_xmpp_component, need not)
    same("destroyed", XH.without_item_attr(ours["destroyed"], "jid", ours["destroyed"].get("to")),
         XH.without_item_attr(theirs["destroyed"], "jid", theirs["destroyed"].get("to")))


def test_instant_room_then_others_join(server, xroomd, clients):
    """§10.1.2: the empty form unlocks; roomd and Prosody's MUC answer alike."""
    for domain in (XH.MUC, PROSODY_MUC):
        room = new_room("instant").replace(XH.MUC, domain)
        r, j = clients.connect("romeo"), clients.connect("juliet")
        r.join(room, "romeo")
        res = r.iq(room, "<query xmlns='%s'><x xmlns='%s' type='submit'/></query>" % (NS_OWNER, NS_DATA))
        assert res.get("type") == "result", show(res)
        out = j.join(room, "juliet")
        assert "110" in status_codes([s for s in out if is_presence(s)][-1])


def test_configuration_survives_a_roomd_restart(server, xroomd, clients):
    room = new_room("durable")
    r = clients.connect("romeo")
    r.join(room, "romeo")
    res = r.iq(room, submit({"muc#roomconfig_persistentroom": ["1"], "muc#roomconfig_roomname": ["Verona"],
                             "muc#roomconfig_roomdesc": ["Fair Verona"], "muc#roomconfig_membersonly": ["1"],
                             "muc#roomconfig_whois": ["anyone"]}))
    assert res.get("type") == "result", show(res)
    pos = r.mark()
    r.send("<message type='groupchat' to='%s'><subject>Balcony</subject></message>" % room)
    r.wait(lambda s: is_message(s) and s.get("from") == room + "/romeo", pos, 5, what="the subject reflected")
    r.leave(room, "romeo")
    xroomd.stop_clean()
    xroomd.start_attached()
    time.sleep(0.5)
    form = r.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
    assert form.get("type") == "result", show(form)
    got = form_fields(form.find("{%s}query/{%s}x" % (NS_OWNER, NS_DATA)))
    assert got["muc#roomconfig_roomname"] == ["Verona"]
    assert got["muc#roomconfig_roomdesc"] == ["Fair Verona"]
    assert got["muc#roomconfig_persistentroom"] == ["1"]
    assert got["muc#roomconfig_membersonly"] == ["1"]
    assert got["muc#roomconfig_whois"] == ["anyone"]
    n = clients.connect("nurse")
    out = n.join(room, "nurse", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "registration-required"), show(out[-1])
    # the subject too, with who set it
    out = r.join(room, "romeo")
    assert out[-1].get("from") == room + "/romeo", show(out[-1])
    assert out[-1].find("{%s}subject" % XH.NS_CLIENT).text == "Balcony", show(out[-1])


@pytest.fixture
def ej_roomd(ejabberd, bins):
    yield from XH.attached_roomd(ejabberd)


@pytest.fixture
def ej_clients(ejabberd, ej_roomd):
    yield from XH.connected_clients(ejabberd)


def test_private_group_through_ejabberd(ejabberd, ej_roomd, ej_clients):
    """The same creation through ejabberd: locked, form, submission announced, members-only enforced."""
    room = new_room("ejgroup")
    r, j = ej_clients.connect("romeo"), ej_clients.connect("juliet")
    out = r.join(room, "romeo")
    assert {"110", "201"} <= set(status_codes(out[0])), show(out[0])
    out = j.join(room, "juliet", expect_error=True)
    assert error_condition(out[-1]) == ("cancel", "item-not-found"), show(out[-1])
    form = r.iq(room, "<query xmlns='%s'/>" % NS_OWNER, "get")
    assert "muc#roomconfig_membersonly" in form_fields(form.find("{%s}query/{%s}x" % (NS_OWNER, NS_DATA)))
    pos = r.mark()
    res = r.iq(room, submit({"muc#roomconfig_persistentroom": ["1"], "muc#roomconfig_membersonly": ["1"],
                             "muc#roomconfig_whois": ["anyone"]}))
    assert res.get("type") == "result", show(res)
    msg = r.wait(lambda s: is_message(s) and s.get("from") == room, pos, 5, what="104 message")
    assert sorted(status_codes(msg)) == ["104", "172"], show(msg)
    out = j.join(room, "juliet", expect_error=True)
    assert error_condition(out[-1]) == ("auth", "registration-required"), show(out[-1])
