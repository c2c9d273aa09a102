#!/usr/bin/env python3
"""Drives a Launchpad with the real launchpadlib and checks what it reads back.

Usage: launchpad_client.py ROOT TOKEN SECRET SEEDED_BUG CACHE_DIR

Run by the Rust test `fake_launchpad::launchpadlib_drives_the_fake` against the fake Launchpad
of tests/it/fake_launchpad.rs, to show that a real client works with the fake unchanged. The test
seeds bug SEEDED_BUG (on ubuntu/+source/libbar, Confirmed, ubuntu-mir subscribed) and arranges
that just before its first PATCH someone else sets its task Triaged; it lowers the batch size
to 2 and makes the server answer 503 and 502 now and then, which lazr.restfulclient retries.
Halfway, the script prints `REQUEST-TOKEN <key>` and waits for a line on standard input: the
test approves the token meanwhile. Exits non-zero with a message on the first mismatch.
"""

import datetime
import os
import sys

from launchpadlib.credentials import AccessToken, Credentials
from launchpadlib.launchpad import Launchpad
from lazr.restfulclient.errors import HTTPError, PreconditionFailed

ALL_STATUSES = [
    "New",
    "Incomplete",
    "Opinion",
    "Invalid",
    "Won't Fix",
    "Expired",
    "Confirmed",
    "Triaged",
    "In Progress",
    "Fix Committed",
    "Fix Released",
]


class Mismatch(Exception):
    """What the client read back is not what it should be."""


def expect(actual, expected, what):
    if actual != expected:
        raise Mismatch(f"{what}: expected {expected!r}, got {actual!r}")


def login(root, credentials, cache):
    # The service root without the version: launchpadlib adds it (and refuses a root that has it).
    return Launchpad(
        credentials, None, None, service_root=root + "/", cache=cache, proxy_info=None, version="1.0"
    )


def main(root, token, secret, seeded, cache):
    seeded = int(seeded)
    credentials = Credentials("docket", access_token=AccessToken(token, secret))
    lp = login(root, credentials, os.path.join(cache, "bot"))

    expect(lp.me.name, "docket-bot", "the token's owner")
    ubuntu = lp.distributions["ubuntu"]
    expect(ubuntu.display_name, "Ubuntu", "the distribution")
    libfoo = ubuntu.getSourcePackage(name="libfoo")
    expect((libfoo.name, libfoo.display_name), ("libfoo", "libfoo in Ubuntu"), "the source package")

    bug = lp.bugs.createBug(
        target=libfoo, title="Crash when frobbing", description="It crashes.", tags=["regression", "docket"]
    )
    expect((bug.title, bug.description, bug.tags), ("Crash when frobbing", "It crashes.", ["docket", "regression"]), "the filed bug")
    expect(bug.owner.name, "docket-bot", "the reporter")
    expect(bug.id, seeded + 1, "the bug number")
    tasks = list(bug.bug_tasks)
    expect(len(tasks), 1, "the filed bug's tasks")
    task = tasks[0]
    expect((task.status, task.importance, task.assignee), ("New", "Undecided", None), "the new task")
    expect(task.bug_target_name, "libfoo (Ubuntu)", "the task's target name")

    task.status = "Incomplete"
    task.assignee = lp.people["lbergmann"]
    task.lp_save()
    expect((task.status, task.assignee.name), ("Incomplete", "lbergmann"), "the saved task")
    expect(task.date_incomplete is not None, True, "the task's date_incomplete")

    # The WADL declares no representation for what subscribe returns: launchpadlib hands out the JSON.
    subscription = bug.subscribe(person=lp.people["ubuntu-mir"])
    expect(subscription["person_link"], root + "/1.0/~ubuntu-mir", "the subscription")
    bug.subscribe(person=lp.people["ubuntu-mir"])
    subscribers = [sub.person.name for sub in bug.subscriptions]
    expect(subscribers, ["docket-bot", "ubuntu-mir"], "the subscribers")

    message = bug.newMessage(content="Does it still crash with 2.0?")
    expect((message.subject, message.content), ("Re: Crash when frobbing", "Does it still crash with 2.0?"), "the comment")
    expect([m.content for m in bug.messages], ["It crashes.", "Does it still crash with 2.0?"], "the messages")

    since = datetime.datetime(2026, 11, 23, 12, 0, 0, tzinfo=datetime.timezone.utc)
    found = ubuntu.searchTasks(status=ALL_STATUSES, modified_since=since, bug_subscriber=lp.people["ubuntu-mir"])
    numbers = sorted(int(task.bug_link.rsplit("/", 1)[1]) for task in found)
    expect(numbers, [seeded, bug.id], "the tasks of bugs ubuntu-mir is subscribed to")
    expect(len(list(ubuntu.searchTasks(status="Fix Released"))), 0, "the fixed tasks")
    later = ubuntu.searchTasks(modified_since=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3650))
    expect(len(list(later)), 0, "the tasks modified in ten years")

    # Someone else sets the seeded task Triaged just before this save: its ETag is stale.
    seeded_task = lp.bugs[seeded].bug_tasks[0]
    expect(seeded_task.status, "Confirmed", "the seeded task")
    seeded_task.status = "In Progress"
    try:
        seeded_task.lp_save()
        raise Mismatch("a stale save succeeded")
    except PreconditionFailed:
        pass
    seeded_task.lp_refresh()
    expect(seeded_task.status, "Triaged", "the seeded task after someone else's change")
    seeded_task.status = "In Progress"
    seeded_task.lp_save()
    expect(seeded_task.status, "In Progress", "the seeded task saved again")

    # The token exchange of the web site.
    fresh = Credentials("docket-login")
    authorize_url = fresh.get_request_token(web_root=root + "/")
    expect(authorize_url.startswith(root + "/+authorize-token?oauth_token="), True, "the page to authorize on")
    try:
        fresh.exchange_request_token_for_access_token(web_root=root + "/")
        raise Mismatch("an unreviewed request token was exchanged")
    except HTTPError as error:
        expect(error.response.status, 401, "the exchange of an unreviewed token")
        expect(error.content, b"Request token has not yet been reviewed. Try again later.", "its message")
    print("REQUEST-TOKEN " + fresh._request_token.key, flush=True)
    sys.stdin.readline()
    fresh.exchange_request_token_for_access_token(web_root=root + "/")
    expect(fresh.access_token.context, "None", "the access token's context")
    other = login(root, fresh, os.path.join(cache, "login"))
    expect(other.me.name, "docket-bot", "the owner of the exchanged token")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:])
    except Mismatch as mismatch:
        sys.exit(f"mismatch: {mismatch}")
