#!/usr/bin/env python3
"""Drives a GitLab with the real python-gitlab client and checks what it reads back.

Usage: gitlab_client.py BASE_URL TOKEN

Run by the Rust test `fake_gitlab::python_gitlab_drives_the_fake` against the fake GitLab of
tests/it/fake_gitlab.rs, to show that a real client works with the fake unchanged. The test seeds
the project (`group/project`) with issue #1 "Seeded by dylan" (label `bug`) and a comment by
`lyle`, lowers the page size to 3 and makes the server answer 429 and 502 now and then, which
python-gitlab retries. Exits non-zero with a message on the first mismatch.
"""

import sys
import warnings

import gitlab


class Mismatch(Exception):
    """What the client read back is not what it should be."""


def expect(actual, expected, what):
    if actual != expected:
        raise Mismatch(f"{what}: expected {expected!r}, got {actual!r}")


def main(url, token):
    # python-gitlab warns (UserWarning) when a `Link` URL leaves the base URL or a list is cut
    # short: both would be faults of the server here.
    warnings.simplefilter("error", UserWarning)
    gl = gitlab.Gitlab(url, private_token=token, retry_transient_errors=True)

    gl.auth()
    expect(gl.user.username, "docket-bot", "the token's user")
    project = gl.projects.get("group/project")
    expect((project.id, project.path_with_namespace), (1, "group/project"), "the project")
    expect([user.id for user in gl.users.list(username="dylan")], [2], "the user search")

    seeded = project.issues.get(1)
    expect((seeded.title, seeded.author["username"], seeded.labels), ("Seeded by dylan", "dylan", ["bug"]), "issue #1")
    comments = [(note.author["username"], note.body) for note in seeded.notes.list(get_all=True)]
    expect(comments, [("lyle", "Seeded comment")], "issue #1's notes")

    for n in range(1, 8):
        labels = ["kind::bug", "area/cli"] if n % 2 else ["kind::feature"]
        issue = project.issues.create({"title": f"Client issue {n}", "description": f"Body {n}", "labels": labels})
        expect((issue.iid, issue.state, sorted(issue.labels)), (n + 1, "opened", sorted(labels)), f"created issue {n}")

    everything = project.issues.list(get_all=True, sort="asc")
    expect([issue.iid for issue in everything], list(range(1, 9)), "all issues over pages (get_all)")
    pages = project.issues.list(iterator=True, order_by="created_at", sort="desc")
    expect((pages.total, pages.total_pages, pages.per_page), (8, 3, 3), "the pagination headers")
    expect([issue.iid for issue in pages], list(range(8, 0, -1)), "all issues over pages (iterator)")
    keyset = project.issues.list(iterator=True, pagination="keyset", order_by="updated_at", sort="asc", per_page=3)
    expect([issue.iid for issue in keyset], list(range(1, 9)), "all issues by keyset pages")
    bugs = project.issues.list(labels=["kind::bug"], get_all=True)
    expect(sorted(issue.iid for issue in bugs), [2, 4, 6, 8], "issues labelled kind::bug")
    expect([issue.iid for issue in project.issues.list(iids=[3, 5], get_all=True)], [5, 3], "issues by iid")

    issue = project.issues.get(2)
    issue.labels = ["kind::bug", "workflow::todo"]
    issue.save()
    expect(issue.labels, ["kind::bug", "workflow::todo"], "labels after replacing them")
    project.issues.update(2, {"add_labels": "workflow::doing"})
    issue = project.issues.get(2)
    expect(issue.labels, ["kind::bug", "workflow::doing"], "a scoped label replaces its scope's other")

    before_close = issue.updated_at
    issue.state_event = "close"
    issue.save()
    issue = project.issues.get(2)
    expect(issue.state, "closed", "the closed issue's state")
    if not issue.closed_at or issue.updated_at <= before_close:
        raise Mismatch(f"closing sets closed_at and moves updated_at: {issue.closed_at!r}, {issue.updated_at!r}")
    expect([i.iid for i in project.issues.list(state="closed", get_all=True)], [2], "closed issues")
    expect([i.iid for i in project.issues.list(updated_after=issue.updated_at, get_all=True)], [2], "updated_after")

    note = issue.notes.create({"body": "Closing: fixed in 1.2"})
    expect((note.body, note.system, note.author["username"]), ("Closing: fixed in 1.2", False, "docket-bot"), "a note")
    expect([n.body for n in issue.notes.list(get_all=True)], ["Closing: fixed in 1.2"], "the issue's notes")
    expect(project.issues.get(2).user_notes_count, 1, "user_notes_count")

    milestone = project.milestones.create({"title": "v1.0", "due_date": "2027-06-30", "description": "First"})
    project.milestones.create({"title": "v0.9"})
    issue.milestone_id = milestone.id
    issue.save()
    expect(project.issues.get(2).milestone["title"], "v1.0", "the issue's milestone")
    milestone.state_event = "close"
    milestone.save()
    expect(project.milestones.get(milestone.id).state, "closed", "the closed milestone")
    expect([m.title for m in project.milestones.list(state="closed", get_all=True)], ["v1.0"], "closed milestones")
    expect([m.title for m in project.milestones.list(get_all=True)], ["v1.0", "v0.9"], "milestones, dated first")

    project.labels.create({"name": "priority::high", "color": "#FF0000"})
    names = [label.name for label in project.labels.list(get_all=True)]
    expected = ["area/cli", "bug", "kind::bug", "kind::feature", "priority::high", "workflow::doing", "workflow::todo"]
    expect(names, expected, "the project's labels")

    try:
        project.issues.get(999)
        raise Mismatch("issue #999 does not exist, yet it was read")
    except gitlab.exceptions.GitlabGetError as error:
        expect(error.response_code, 404, "the status of a missing issue")

    print("python-gitlab", gitlab.__version__, "read back everything it wrote")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2])
    except Mismatch as mismatch:
        sys.exit(f"mismatch: {mismatch}")
