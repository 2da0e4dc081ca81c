#!/usr/bin/env python3
"""Seed a mailbox of the private Dovecot (scripts/dovecot.sh) over IMAP, deterministically by seed.

    scripts/seed-imap.py --user alice@old.test --password 'S3cret-pw' --messages 60 --seed 7

Adds (or replaces) the user in the Dovecot passwd-file, empties the user's Maildir, then writes
over IMAPS (the instance's own certificate is the trust anchor) folders and messages:

- special-use folders ("Gesendete Objekte" \\Sent, "Trash" \\Trash, "Spam" \\Junk, "Entwürfe"
  \\Drafts: the attributes come from scripts/dovecot.sh), folders found only by a well-known name
  ("Sent Messages", "Papierkorb"), nested folders (separator "/"), names with "." and non-ASCII
  letters (sent in modified UTF-7, RFC 3501 5.1.3), and one parent that is never created (so the
  server lists it \\Noselect);
- messages with sizes spread between --min-size and --max-size bytes (CRLF line ends, so a size is
  what the server reports as RFC822.SIZE), random flags among \\Seen \\Answered \\Flagged \\Draft
  (a few \\Deleted) and internal dates between 2015 and 2024.

Prints a JSON manifest of what was written: per folder (as the customer sees its name) the
messages and bytes not marked \\Deleted, and the deleted ones apart; then the totals.
Environment: KS_IMAP_HOST, KS_IMAPS_PORT, KS_IMAP_PASSWD, KS_IMAP_CERT, KS_IMAP_MAIL as printed
by `scripts/dovecot.sh env` (used when the options are not given).
"""

import argparse
import base64
import datetime
import imaplib
import json
import os
import random
import shutil
import ssl
import sys

# (name, created): the folders written; a parent that is not created is listed \Noselect.
FOLDERS = [
    "INBOX",
    "Gesendete Objekte",
    "Trash",
    "Spam",
    "Entwürfe",
    "Sent Messages",
    "Papierkorb",
    "Projects",
    "Projects/2024",
    "Projects/2024/Q1.report",
    "Archiv.2023",
    "Über uns/Ärger & Co",
]
FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Draft"]


def mutf7(name):
    """`name` in IMAP's modified UTF-7 (RFC 3501 5.1.3)."""
    out, run = [], []

    def flush():
        if run:
            raw = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)


def quoted(name):
    """A mailbox name as an IMAP quoted string."""
    encoded = mutf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def message(rng, number, folder, size):
    """One RFC 5322 message of exactly `size` bytes (at least its headers), CRLF line ends."""
    headers = (
        f"From: Sender {number} <sender{number}@old.test>\r\n"
        f"To: Owner <owner@old.test>\r\n"
        f"Subject: Message {number} in {folder.encode('ascii', 'replace').decode()}\r\n"
        f"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <seed-{number}-{rng.randrange(10**9)}@old.test>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    ).encode()
    body_size = max(0, size - len(headers))
    line = b"The quick brown fox jumps over the lazy dog, message body line.........\r\n"
    if body_size < 2:
        return headers + b"x" * body_size
    head = (line * (body_size // len(line) + 1))[: body_size - 2]
    if head.endswith(b"\r"):
        head = head[:-1] + b"x"  # a bare CR would be stored as a line end: another size
    return headers + head + b"\r\n"


def add_user(passwd, user, password):
    """Adds or replaces `user` in the passwd-file (PLAIN scheme: a test server only)."""
    if ":" in user or "\n" in user or "\n" in password:
        sys.exit("seed-imap: the user name may not hold ':' or line breaks")
    lines = []
    if os.path.exists(passwd):
        with open(passwd, encoding="utf-8") as handle:
            lines = [line for line in handle if not line.startswith(user + ":")]
    lines.append(f"{user}:{{PLAIN}}{password}::::::\n")
    with open(passwd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)


def parse_args():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=env("KS_IMAP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("KS_IMAPS_PORT", "39993")))
    parser.add_argument("--passwd", default=env("KS_IMAP_PASSWD"))
    parser.add_argument("--cert", default=env("KS_IMAP_CERT"))
    parser.add_argument("--mail", default=env("KS_IMAP_MAIL"), help="the Maildir root of all users")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-size", type=int, default=400)
    parser.add_argument("--max-size", type=int, default=64 * 1024)
    args = parser.parse_args()
    for needed in ("passwd", "cert", "mail"):
        if not getattr(args, needed):
            parser.error(f"--{needed} is needed (or run with the variables of scripts/dovecot.sh env)")
    if args.messages < 0 or not 0 < args.min_size <= args.max_size:
        parser.error("--messages must be 0 or more and 0 < --min-size <= --max-size")
    return args


def seed(args):
    """Writes the folders and messages; returns the manifest."""
    rng = random.Random(args.seed)
    add_user(args.passwd, args.user, args.password)
    shutil.rmtree(os.path.join(args.mail, args.user), ignore_errors=True)
    context = ssl.create_default_context(cafile=args.cert)
    imap = imaplib.IMAP4_SSL(args.host, args.port, ssl_context=context)
    imap.login(args.user, args.password)
    folders = {name: {"name": name, "messages": 0, "bytes": 0, "deleted": 0} for name in FOLDERS}
    for name in FOLDERS[1:]:
        check(imap.create(quoted(name)), "CREATE", name)
    start = datetime.datetime(2015, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    for number in range(args.messages):
        name = FOLDERS[0] if rng.random() < 0.3 else rng.choice(FOLDERS)
        size = int(args.min_size * (args.max_size / args.min_size) ** rng.random())
        flags = [flag for flag in FLAGS if rng.random() < 0.35]
        deleted = rng.random() < 0.05
        if deleted:
            flags.append("\\Deleted")
        when = imaplib.Time2Internaldate(start + rng.randrange(10 * 365 * 86400))
        data = message(rng, number, name, size)
        check(imap.append(quoted(name), "(" + " ".join(flags) + ")", when, data), "APPEND", name)
        entry = folders[name]
        if deleted:
            entry["deleted"] += 1
        else:
            entry["messages"] += 1
            entry["bytes"] += len(data)
    imap.logout()
    listed = list(folders.values())
    return {
        "user": args.user,
        "folders": listed,
        "messages": sum(f["messages"] for f in listed),
        "bytes": sum(f["bytes"] for f in listed),
    }


def check(answer, command, name):
    """Stops with the server's words when `command` on `name` failed."""
    status, data = answer
    if status != "OK":
        sys.exit(f"seed-imap: {command} {name} failed: {data}")


if __name__ == "__main__":
    print(json.dumps(seed(parse_args()), ensure_ascii=False))
