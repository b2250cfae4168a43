import datetime as dt
import email
import email.policy
import io
import ipaddress
import ssl

import pytest

from sheetsales import check
from sheetsales.core.config import SmtpSettings, build_config, load_config
from sheetsales.core.errors import ConfigError
from sheetsales.nightly.history import History
from sheetsales.nightly.mail import render_html, render_text, to_email
from sheetsales.nightly.digests import ACTIONABLE, MANAGER, Digest, build_digests, owner_key, select_new
from sheetsales.nightly.delivery import deliver, safe_file_name, send_reminders, templates_folder
from sheetsales.sources import MemoryGrid
from smtp_server import Inbox, free_port

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult  # noqa: E402

D = dt.date
DAY1 = D(2026, 3, 4)
HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Created", "First contact",
           "Discovery on", "Proposal sent", "Confirmed on", "Delivery due", "Delivered on",
           "Follow-up due", "Next step", "Next step due", "Last contact"]
E = D(2026, 1, 2)  # an early date for the steps before
HOSTILE = '<script>alert("x")</script>\nSubject: injected & more'


def won(deal_id, company, owner, due):
    return [deal_id, company, owner, "Won", 100, E, E, E, E, E, due, None, None, None, None,
            None]


ROWS = [
    HEADERS,
    won("D-1", "Acme", "Ana", D(2026, 3, 1)),                      # overdue 3 days
    won("D-2", "Beta", "Ana", D(2026, 3, 4)),                      # due today
    ["D-3", "Gamma", "Ana", "Delivered", 100, E, E, E, E, E, E, D(2026, 2, 27), D(2026, 3, 6),
     None, None, None],                                            # follow-up soon (2 days)
    ["D-4", "Delta", "bo", "Proposal", 100, E, E, E, D(2026, 1, 3), None, None, None, None,
     "Send <quote>", D(2026, 3, 2), D(2026, 1, 3)],               # next step overdue; idle
    won("D-5", "Epsilon", "Cy", D(2026, 2, 20)),                   # no address; 12 days late
    won("D-6", "Zeta", "../../etc/passwd", D(2026, 3, 1)),
    ["D-7", "Eta", "Ana", "Discovery", None, E, E, D(2026, 3, 1), None, None, None, None, None,
     None, None, None],                                            # DUE006 only: not mailed
    won("D-8", HOSTILE, "Ana", D(2026, 3, 2)),
    won("D-9", "Theta", "Ana", D(2026, 3, 8)),                     # soon from day 2
]
OWNERS = {"Ana": "Ana Lopes <ana@example.com>", "Bo": "bo@example.com",
          "../../etc/passwd": "x@example.com"}


def report(day=DAY1, rows=ROWS):
    return check(MemoryGrid({"Deals": rows}), build_config({}), day)


def config(tmp_path, **reminders):
    values = {"owners": OWNERS, "sender": "pipeline@example.com", **reminders}
    return build_config({"reminders": values}, tmp_path / "sheetsales.toml")


def keys(digest):
    return [(i.deal_id, i.code, i.kind) for i in digest.items]


# --- digests ----------------------------------------------------------------------------------

def test_one_digest_per_owner_in_urgency_order(tmp_path):
    digests = build_digests(report(), config(tmp_path))
    assert [(d.owner, d.email) for d in digests] == [
        ("../../etc/passwd", "x@example.com"), ("Ana", "Ana Lopes <ana@example.com>"),
        ("bo", "bo@example.com"), ("Cy", None)]
    ana = digests[1]
    assert keys(ana) == [("D-1", "DUE001", "overdue"), ("D-8", "DUE001", "overdue"),
                         ("D-2", "DUE002", "today"), ("D-3", "DUE004", "soon")]
    first = ana.items[0]
    assert (first.company, first.action, first.due, first.days, first.row, first.cell) == \
        ("Acme", "Deliver", D(2026, 3, 1), 3, 2, "Deals!K2")
    bo = digests[2]
    assert keys(bo) == [("D-4", "DUE005", "overdue"), ("D-4", "IDL001", "idle")]
    assert bo.items[0].action == "Send <quote>"  # the planned next step itself
    assert bo.items[1].due == D(2026, 1, 3) and bo.items[1].days == 60
    assert "DUE006" not in ACTIONABLE


def test_text_rendering(tmp_path):
    ana = build_digests(report(), config(tmp_path))[1]
    text = render_text(ana)
    assert text.splitlines()[:11] == [
        "Hello Ana,",
        "",
        "Here is what needs doing in Deals, as of 2026-03-04.",
        "Your pipeline: 1 open deal.",  # D-7, which has no amount
        "",
        "OVERDUE (2)",
        "- D-1, Acme, 100: Deliver, due 2026-03-01 (3 days overdue)",
        "  (memory, sheet Deals, row 2)",
        '- D-8, <script>alert("x")</script> Subject: injected & more, 100: Deliver, due '
        "2026-03-02 (2 days overdue)",
        "  (memory, sheet Deals, row 9)",
        "",
    ]
    assert "DUE TODAY (1)\n- D-2, Beta, 100: Deliver, due today (2026-03-04)\n" \
        "  (memory, sheet Deals, row 3)" in text
    assert "DUE SOON (1)\n- D-3, Gamma, 100: Follow up, due 2026-03-06 (in 2 days)" in text
    assert "\nSubject: injected" not in text  # a line break in a cell cannot forge a line
    assert "Deals!" not in text and "DUE0" not in text  # no cell references or rule codes


def test_a_deals_items_are_grouped_and_the_biggest_deal_comes_first(tmp_path):
    bo = build_digests(report(), config(tmp_path))[2]
    assert render_text(bo).split("\n\n")[2] == "\n".join([
        "OVERDUE (1)", "- D-4, Delta, 100:", "  Send <quote>, due 2026-03-02 (2 days overdue)",
        "  Confirm the sale, idle since 2026-01-03 (60 days)", "  (memory, sheet Deals, row 5)"])
    rows = [ROWS[0], won("D-1", "Small", "Ana", D(2026, 3, 1)),
            won("D-2", "Big", "Ana", D(2026, 3, 2))]
    rows[2][4] = 9000
    ana = build_digests(report(rows=rows), config(tmp_path))[0]
    assert [i.company for i in ana.items] == ["Big", "Small"]  # both overdue: 9,000 first
    assert "Your pipeline" not in render_text(ana)  # no open deals: nothing to total
    assert '<h3 style="color: #9C0006">Overdue (2)</h3>' in render_html(ana)


def test_html_escapes_every_sheet_value(tmp_path):
    digests = build_digests(report(), config(tmp_path))
    page = render_html(digests[1]) + render_html(digests[2])
    assert "<script>" not in page and "<quote>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Subject: injected &amp; more" \
        in page
    assert "Send &lt;quote&gt;" in page
    assert page.count("<table") == 4  # Ana: overdue, today, soon; Bo: overdue (D-4, idle too)
    assert "Send &lt;quote&gt;<br>Confirm the sale" in page  # one deal, two items


def test_email_is_multipart_text_and_html(tmp_path):
    ana = build_digests(report(), config(tmp_path))[1]
    message = to_email(ana, "pipeline@example.com", ana.email,
                       now=dt.datetime(2026, 3, 4, 7, tzinfo=dt.timezone.utc))
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"] == "Ana Lopes <ana@example.com>"
    assert parsed["Subject"] == "Pipeline reminders for Ana: 2 overdue, 1 due today, " \
                                "1 due soon (Deals)"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].endswith("@example.com>")
    text = parsed.get_body(("plain",)).get_content()
    page = parsed.get_body(("html",)).get_content()
    assert text == render_text(ana) and page == render_html(ana)


def test_a_hostile_owner_name_cannot_inject_headers(tmp_path):
    digest = Digest("Eve\r\nBcc: all@example.com", (), DAY1, "Deals\nX-Evil: 1",
                    "eve@example.com")
    message = to_email(digest, "pipeline@example.com", digest.email)
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["To"].addresses[0].addr_spec == "eve@example.com"


# --- once only, cadence, escalation -----------------------------------------------------------

def test_select_new_sends_once_then_on_the_cadence(tmp_path):
    cfg = config(tmp_path, resend_every_days=3)
    with History.open(tmp_path / "h.sqlite") as history:
        def send(day):
            chosen = select_new(build_digests(report(day), cfg), history, day, cfg, "deals")
            history.record_reminders("deals", [(d.audience, owner_key(i.owner), i.key, d.email)
                                               for d in chosen for i in d.items], day, "smtp")
            return {d.owner: keys(d) for d in chosen}

        assert len(send(DAY1)["Ana"]) == 4
        assert send(DAY1) == {}  # a second run the same day sends nothing
        day2 = send(DAY1 + dt.timedelta(1))
        assert day2 == {"Ana": [("D-2", "DUE001", "overdue"), ("D-9", "DUE002", "soon")]}
        assert send(DAY1 + dt.timedelta(2)) == {
            "Ana": [("D-3", "DUE004", "today")]}  # due today is news even after "soon"
        day4 = send(DAY1 + dt.timedelta(3))
        assert day4["Ana"] == [("D-1", "DUE001", "overdue"), ("D-8", "DUE001", "overdue"),
                               ("D-3", "DUE003", "overdue")]  # re-sent after 3 days
        assert day4["bo"] == [("D-4", "DUE005", "overdue"), ("D-4", "IDL001", "idle")]


def test_escalation_goes_to_the_manager_once_per_cadence(tmp_path):
    cfg = config(tmp_path, manager="boss@example.com", escalate_after_days=7)
    with History.open(tmp_path / "h.sqlite") as history:
        chosen = select_new(build_digests(report(), cfg), history, DAY1, cfg, "deals")
        manager = [d for d in chosen if d.audience == MANAGER]
        assert len(manager) == 1 and manager[0].email == "boss@example.com"
        assert keys(manager[0]) == [("D-5", "DUE001", "overdue")]  # 12 days late; others < 7
        assert "[Cy] D-5, Epsilon" in render_text(manager[0])
        history.record_reminders("deals", [(MANAGER, "cy", manager[0].items[0].key, None)],
                                 DAY1, "smtp")
        later = select_new(build_digests(report(DAY1 + dt.timedelta(1)), cfg), history,
                           DAY1 + dt.timedelta(1), cfg, "deals")
        assert [d for d in later if d.audience == MANAGER] == []


# --- SMTP on loopback -------------------------------------------------------------------------

def smtp_config(tmp_path, port, **more):
    return config(tmp_path, smtp={"host": "127.0.0.1", "port": port, "starttls": False},
                  **more)


def test_digests_are_sent_by_smtp_once_per_item(tmp_path, smtp_server):
    controller, inbox = smtp_server
    cfg = smtp_config(tmp_path, controller.port)
    with History.open(tmp_path / "h.sqlite") as history:
        result = send_reminders(report(), cfg, history, environ={})
        assert result.channel == "smtp" and not result.failures
        assert inbox.to() == ["ana@example.com", "bo@example.com", "x@example.com"]
        assert result.warnings == ["no e-mail address for owner 'Cy', so 1 item was not "
                                   'sent; add Cy = "name@example.com" under [reminders.owners]']
        sender, _, ana = next(m for m in inbox.messages if m[1] == ["ana@example.com"])
        assert sender == "pipeline@example.com"
        assert ana.get_content_type() == "multipart/alternative"
        assert "D-1, Acme, 100: Deliver, due 2026-03-01 (3 days overdue)" in \
            ana.get_body(("plain",)).get_content()
        assert "&lt;script&gt;" in ana.get_body(("html",)).get_content()

        again = send_reminders(report(), cfg, history, environ={})
        assert again.delivered == [] and len(inbox.messages) == 3
        assert again.held_back == 7  # Ana 4, Bo 2, the odd owner 1 (Cy's was never sent)
        next_day = send_reminders(report(DAY1 + dt.timedelta(1)), cfg, history, environ={})
        assert [d.owner for d in next_day.delivered] == ["Ana"]
        _, _, news = inbox.messages[-1]
        body = news.get_body(("plain",)).get_content()
        assert "D-2, Beta, 100: Deliver, due 2026-03-04 (1 day overdue)" in body
        assert "D-9, Theta" in body and "D-1, Acme" not in body
        assert "3 more open items reminded earlier are still open." in body


def test_an_owner_added_later_gets_the_items_not_yet_sent(tmp_path, smtp_server):
    controller, inbox = smtp_server
    with History.open(tmp_path / "h.sqlite") as history:
        send_reminders(report(), smtp_config(tmp_path, controller.port), history, environ={})
        cfg = build_config({"reminders": {
            "owners": {**OWNERS, "cy": "cy@example.com"},
            "smtp": {"host": "127.0.0.1", "port": controller.port, "starttls": False}}},
            tmp_path / "sheetsales.toml")
        result = send_reminders(report(), cfg, history, environ={})
        assert [d.owner for d in result.delivered] == ["Cy"] and not result.warnings
        assert inbox.to().count("cy@example.com") == 1


def test_an_unreachable_server_is_a_failure_and_nothing_is_recorded(tmp_path, smtp_server):
    controller, inbox = smtp_server
    with History.open(tmp_path / "h.sqlite") as history:
        down = send_reminders(report(), smtp_config(tmp_path, free_port()), history, environ={})
        assert down.delivered == [] and len(down.failures) == 1
        assert down.failures[0].startswith("cannot connect to SMTP server 127.0.0.1:")
        up = send_reminders(report(), smtp_config(tmp_path, controller.port), history,
                            environ={})
        assert len(up.delivered) == 3 and len(inbox.messages) == 3


def test_printing_shows_everything_and_records_nothing(tmp_path):
    out = io.StringIO()
    with History.open(tmp_path / "h.sqlite") as history:
        for _ in range(2):
            result = send_reminders(report(), config(tmp_path), history, stdout=out)
            assert result.channel == "print" and len(result.delivered) == 4
        assert history.last_reminders("memory") == {}
    text = out.getvalue()
    assert text.count("To: Ana Lopes <ana@example.com>\nSubject: Pipeline reminders for "
                      "Ana: 2 overdue, 1 due today, 1 due soon (Deals)\n\nHello Ana,\n") == 2
    assert "To: Cy (no e-mail address configured)\n" in text


def test_items_without_an_owner_are_reported_not_dropped(tmp_path, smtp_server):
    controller, inbox = smtp_server
    rows = [HEADERS, won("D-1", "Acme", None, D(2026, 3, 1)), won("D-2", "Beta", " ", DAY1),
            won("D-3", "Gamma", "ANA", DAY1), won("D-4", "Delta", "ana ", DAY1)]
    cfg = smtp_config(tmp_path, controller.port)
    result = deliver(build_digests(report(rows=rows), cfg), cfg, environ={})
    # each owner-less deal is due and invalid (REQ001: Owner is required): two items each
    assert result.warnings == ["4 items have no Owner, so no one was reminded; fill the "
                               "Owner column"]
    assert [(d.owner, len(d.items)) for d in result.delivered] == [("ANA", 2)]  # one owner
    assert inbox.to() == ["ana@example.com"]


# --- TLS, login and the password --------------------------------------------------------------

@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert path, key path)."""
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


PASSWORD = "s3cret-Pa55word"


def tls_server(certificate, implicit: bool, logins: list):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)

    inbox = Inbox()
    # aiosmtpd only counts STARTTLS as TLS for AUTH; with implicit TLS all of it is TLS
    options = {"ssl_context": server_context, "auth_require_tls": False} if implicit else \
        {"tls_context": server_context, "require_starttls": True, "auth_require_tls": True}
    controller = aiosmtpd_controller.Controller(
        inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, **options)
    return controller, inbox


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_login_over_tls_with_the_password_from_the_environment(tmp_path, certificate,
                                                                implicit):
    logins = []
    controller, inbox = tls_server(certificate, implicit, logins)
    controller.start()
    try:
        smtp = {"host": "127.0.0.1", "port": controller.port, "user": "robot",
                ("ssl" if implicit else "starttls"): True}
        cfg = config(tmp_path, smtp=smtp)
        client = ssl.create_default_context(cafile=str(certificate[0]))
        with History.open(tmp_path / "h.sqlite") as history:
            result = send_reminders(report(), cfg, history, ssl_context=client,
                                    environ={"SHEETSALES_SMTP_PASSWORD": PASSWORD})
            assert len(result.delivered) == 3 and not result.failures
            assert logins == [(b"robot", PASSWORD.encode())]
            wrong = send_reminders(report(DAY1 + dt.timedelta(1)), cfg, history,
                                   ssl_context=client,
                                   environ={"SHEETSALES_SMTP_PASSWORD": "wrong-" + PASSWORD})
            assert wrong.delivered == [] and len(wrong.failures) == 1
            assert "refused the session" in wrong.failures[0]
            assert PASSWORD not in wrong.failures[0]
        assert len(inbox.messages) == 3
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("h.sqlite*"))
        assert PASSWORD.encode() not in stored  # secrets never reach the history
    finally:
        controller.stop()


def test_a_missing_password_or_cleartext_login_is_a_config_error(tmp_path):
    cfg = config(tmp_path, smtp={"host": "smtp.example.com", "user": "robot"})
    with pytest.raises(ConfigError, match="SHEETSALES_SMTP_PASSWORD"):
        deliver(build_digests(report(), cfg), cfg, environ={})
    cfg = config(tmp_path, smtp={"host": "smtp.example.com", "user": "robot",
                                 "starttls": False})
    with pytest.raises(ConfigError, match="unencrypted"):
        deliver(build_digests(report(), cfg), cfg,
                environ={"SHEETSALES_SMTP_PASSWORD": PASSWORD})


# --- the outbox -------------------------------------------------------------------------------

def test_outbox_files_are_safe_named_and_never_overwritten(tmp_path):
    cfg = config(tmp_path, outbox="outbox")
    with History.open(tmp_path / "h.sqlite") as history:
        first = send_reminders(report(), cfg, history)
        rows = [r for r in ROWS] + [won("D-10", "Iota", "Ana", D(2026, 3, 3))]
        second = send_reminders(report(rows=rows), cfg, history)
    outbox = tmp_path / "outbox"
    assert first.channel == "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [
        "2026-03-04-ana-2.eml", "2026-03-04-ana.eml", "2026-03-04-bo.eml",
        "2026-03-04-etc-passwd.eml"]
    assert [p.name for p in second.files] == ["2026-03-04-ana-2.eml"]
    assert not (tmp_path.parent / "etc").exists()
    parsed = email.message_from_bytes((outbox / "2026-03-04-ana-2.eml").read_bytes(),
                                      policy=email.policy.default)
    assert parsed["To"] == "Ana Lopes <ana@example.com>"
    assert "D-10, Iota" in parsed.get_body(("plain",)).get_content()
    assert parsed.get_body(("html",)) is not None


@pytest.mark.parametrize("owner, expected", [
    ("../../etc/x", "etc-x"), ("..", "owner"), ("/", "owner"), ("José Ñuñez", "jose-nunez"),
    ("a\x00b\\c:d", "a-b-c-d"), ("C:\\Windows\\system32", "c-windows-system32"),
    ("x" * 200, "x" * 40)])
def test_safe_file_names(owner, expected):
    assert safe_file_name(owner) == expected


def test_smtp_and_outbox_together(tmp_path, smtp_server):
    controller, inbox = smtp_server
    cfg = smtp_config(tmp_path, controller.port, outbox="sent")
    result = deliver(build_digests(report(), cfg), cfg, environ={})
    assert result.channel == "smtp" and len(result.delivered) == 3
    assert len(inbox.messages) == 3 and len(list((tmp_path / "sent").glob("*.eml"))) == 3


# --- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("section, message", [
    ('[reminders.smtp]\nhost = "h"\npassword = "x"', "SHEETSALES_SMTP_PASSWORD"),
    ('[reminders.smtp]\nhost = "h"\nprot = 25', "did you mean 'port'"),
    ('[reminders.smtp]\nhost = "h"\nssl = true\nstarttls = true', "not both"),
    ('[reminders.smtp]\nport = 25', "host"),
    ('[reminders.smtp]\nhost = "h"\nport = 70000', "port number"),
    ('[reminders.owners]\nAna = "not an address"', "'Ana' is not"),
    ('[reminders]\nmanager = "boss"', "e-mail address"),
])
def test_reminder_settings_are_validated(tmp_path, section, message):
    path = tmp_path / "sheetsales.toml"
    path.write_text(section + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})


def test_the_template_smtp_settings_are_valid(tmp_path):
    path = tmp_path / "sheetsales.toml"
    path.write_text('[reminders]\noutbox = "outbox"\nsender = "p@example.com"\n'
                    'resend_every_days = 3\n[reminders.owners]\nAna = "ana@example.com"\n'
                    '[reminders.smtp]\nhost = "smtp.example.com"\nport = 587\n'
                    'starttls = true\nuser = "p@example.com"\n', encoding="utf-8")
    cfg = load_config(path, environ={})
    assert cfg.reminders.smtp == SmtpSettings("smtp.example.com", port=587, starttls=True,
                                              user="p@example.com")


def test_a_users_own_digest_templates_frame_the_digest(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "digest.txt").write_text("Hi $name!\n$sections\nThanks, the office\n",
                                       encoding="utf-8")
    (folder / "digest.html").write_text("<p>Dear $name</p>$sections<p>The office</p>",
                                        encoding="utf-8")
    cfg = build_config({"reminders": {"outbox": "outbox", "templates": "mail",
                                      "owners": {"Ana": "ana@example.com"}}},
                       tmp_path / "sheetsales.toml")
    ana = build_digests(report(), cfg)[1]
    message = to_email(ana, "p@example.com", ana.email, templates=templates_folder(cfg))
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    assert text.startswith("Hi Ana!\n\nOVERDUE (2)") and text.endswith("Thanks, the office\n")
    page = parsed.get_body(("html",)).get_content()
    assert page.startswith("<p>Dear Ana</p>") and "&lt;script&gt;" in page


def test_a_digest_template_with_an_unknown_placeholder_is_refused(tmp_path):
    (tmp_path / "digest.txt").write_text("Hi $name, your $quota is due\n", encoding="utf-8")
    ana = build_digests(report(), config(tmp_path))[1]
    with pytest.raises(ConfigError, match=r"uses \$quota; it may use only \$name, \$intro"):
        render_text(ana, str(tmp_path))


def test_stale_forecasts_are_a_group_of_their_own(tmp_path):
    """A deal past its expected close reaches its owner under its own heading, apart from
    the overdue items (even those of the same deal), in the text and HTML parts alike."""
    head = [*HEADERS, "Expected close"]
    rows = [head,
            ["D-1", "Acme", "Ana", "Proposal", 5000, E, E, E, D(2026, 2, 20), None, None,
             None, None, "Call", D(2026, 3, 1), D(2026, 3, 3), D(2026, 2, 1)],
            ["D-2", "Beta", "Ana", "Discovery", 800, E, E, D(2026, 3, 1), None, None, None,
             None, None, "Demo", D(2026, 3, 9), D(2026, 3, 3), D(2026, 3, 2)],
            ["D-3", "Gamma", "Ana", "Lost", 900, E, E, E, None, None, None, None, None, None,
             None, None, D(2026, 1, 1)]]  # closed: its old close date is no item
    (ana,) = build_digests(report(rows=rows), config(tmp_path))
    assert keys(ana) == [("D-1", "DUE005", "overdue"), ("D-1", "DUE007", "stale"),
                         ("D-2", "DUE007", "stale")]
    text = render_text(ana)
    assert "OVERDUE (1)\n- D-1, Acme, 5,000: Call, due 2026-03-01 (3 days overdue)\n" in text
    assert ("PAST THEIR EXPECTED CLOSE (2)\n"
            "- D-1, Acme, 5,000: Close it (Won or Lost) or set a new close date, "
            "expected to close 2026-02-01, 31 days ago\n  (memory, sheet Deals, row 2)\n"
            "- D-2, Beta, 800: Close it (Won or Lost) or set a new close date, "
            "expected to close 2026-03-02, 2 days ago\n") in text
    assert "DUE0" not in text and "Deals!" not in text
    page = render_html(ana)
    assert "<h3>Past their expected close (2)</h3>" in page
    overdue, stale = page.split("<h3>Past their expected close (2)</h3>")
    assert "expected to close" not in overdue and "overdue" not in stale
    assert "2 past their expected close" in to_email(ana, "p@example.com",
                                                    ana.email)["Subject"]


def test_a_stale_forecast_is_mailed_once_per_close_date(tmp_path):
    head = [*HEADERS, "Expected close"]
    rows = [head, ["D-1", "Acme", "Ana", "Discovery", 800, E, E, D(2026, 3, 1), None, None,
                   None, None, None, "Demo", D(2026, 3, 20), D(2026, 3, 3), D(2026, 3, 2)]]
    cfg = config(tmp_path)
    with History.open(tmp_path / "h.sqlite") as history:
        def send(day):
            chosen = select_new(build_digests(report(day, rows), cfg), history, day, cfg, "s")
            history.record_reminders("s", [(d.audience, owner_key(i.owner), i.key, d.email)
                                           for d in chosen for i in d.items], day, "smtp")
            return [keys(d) for d in chosen]

        assert send(DAY1) == [[("D-1", "DUE007", "stale")]]
        assert send(DAY1 + dt.timedelta(days=9)) == []  # past the 3-day cadence: not again
        rows[1][-1] = D(2026, 3, 10)  # the owner moves the date, and it passes again
        assert send(DAY1 + dt.timedelta(days=10)) == [[("D-1", "DUE007", "stale")]]


def test_an_owners_pipeline_in_several_currencies_is_never_summed(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Amount", "Next step due"],
            ["D-1", "Acme", "Ana", "Proposal", "$1,000", D(2026, 3, 1)],
            ["D-2", "Beta", "Ana", "Discovery", "€2,500", None],
            ["D-3", "Gamma", "Ana", "Lead", "€500", None]]
    (ana,) = build_digests(report(rows=rows), config(tmp_path))
    assert ana.open_amount is None and ana.open_amounts == (("$", 1000.0), ("EUR", 3000.0))
    assert "Your pipeline: 3 open deals, 1,000 $ + 3,000 EUR in all." in render_text(ana)


def test_each_value_shows_its_currency_and_the_biggest_first_within_one_currency(tmp_path):
    """Amounts are compared within one currency only: the currency of most deals first
    (EUR), then the next ($), bare amounts last, each the biggest first."""
    due = D(2026, 3, 1)
    rows = [["Deal ID", "Company", "Owner", "Stage", "Amount", "Next step due"],
            ["D-1", "Acme", "Ana", "Proposal", "$1,000", due],
            ["D-2", "Beta", "Ana", "Proposal", "EUR 500", due],
            ["D-3", "Gamma", "Ana", "Proposal", "5000", due],
            ["D-4", "Delta", "Ana", "Proposal", "2,500 €", due]]
    (ana,) = build_digests(report(rows=rows), config(tmp_path))
    assert [i.deal_id for i in ana.items] == ["D-4", "D-2", "D-1", "D-3"]
    text = render_text(ana)
    assert "- D-4, Delta, 2,500 EUR" in text and "- D-1, Acme, 1,000 $" in text
    assert "- D-3, Gamma, 5,000: " in text  # a bare amount: no currency to show
    assert "4 open deals, 1,000 $ + 3,000 EUR + 5,000 (no currency) in all." in text
    assert ">2,500 EUR<" in render_html(ana)
    one = [rows[0], rows[1], ["D-5", "Eps", "Ana", "Proposal", 3000, due]]
    (ana,) = build_digests(report(rows=one), config(tmp_path))  # one currency: one pot
    assert [i.deal_id for i in ana.items] == ["D-5", "D-1"]
