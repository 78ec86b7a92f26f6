"""Projects: several desks in one installation (the mail service, a social network, ...).

Each project has a desk of its own (queues, groups and rights, rules, calendars, SLAs,
macros) and the mailboxes its mail comes to. A desk file without `projects:` is one project,
named `main`. Agents' groups are named with their project, `mail/first-line`; a bare name
stands for the one project that has such a group (on an older database: the first project).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ticketflow.desk.config import DeskConfig, DeskConfigError, read_desk_file
from ticketflow.desk.help import HelpArticle, HelpError, load_help
from ticketflow.desk.rules import Rule
from ticketflow.desk.staff import StaffSenders
from ticketflow.mail.addresses import normalised_address
from ticketflow.mail.bounded import header_block

# The project of a desk file without `projects:`, and of data from before projects.
SOLE_PROJECT = "main"
PROJECT_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
SEPARATOR = "/"
HELP = "help"  # beside the desk file: help/<project>/<language>/<name>.md


class ProjectConfig(DeskConfig):
    """One project of a desk file's `projects:`: a desk, and the addresses mail comes to."""

    name: str = Field(pattern=PROJECT_NAME)
    # Mail sent to one of these (envelope recipient first, then To and Cc) is this project's.
    mailboxes: list[str] = Field(default_factory=list)
    # The Temporal namespace of its ticket workflows, where the Temporal UI's users must be
    # kept apart per project; None: the installation's (TICKETFLOW_TEMPORAL_NAMESPACE).
    namespace: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

    @field_validator("mailboxes")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        clean = []
        for text in value:
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", text.strip()):
                raise ValueError(f"mailbox {text!r} is no address")
            clean.append(mailbox(text))
        return clean


class ProjectsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    projects: list[ProjectConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ProjectsConfig:
        names = [p.name for p in self.projects]
        if len(set(names)) != len(names):
            raise ValueError("project names must be unique")
        owner: dict[str, str] = {}
        for project in self.projects:
            for box in sorted(project_mailboxes(project)):
                if box in owner:
                    raise ValueError(
                        f"mailbox {box} is in projects {owner[box]!r} and {project.name!r}"
                    )
                owner[box] = project.name
        return self


@dataclass(frozen=True)
class Project:
    name: str
    desk: DeskConfig
    mailboxes: frozenset[str] = frozenset()
    namespace: str | None = None  # its own Temporal namespace, if it has one
    # Its help articles (ticketflow.desk.help), for the customer form.
    help: tuple[HelpArticle, ...] = ()


@dataclass(frozen=True)
class ProjectRules:
    """What a reader needs of a project: its mailboxes, and its rules to run."""

    project: str
    mailboxes: frozenset[str]
    rules: Sequence[Rule]
    trusted_headers: Sequence[str]
    # Colleagues whose forwards become the customer's ticket; None: none.
    staff: StaffSenders | None = None


class GroupError(ValueError):
    """A group name that names no group of any project, or several."""


class Projects:
    """The installation's projects, in the order of the desk file; the first takes mail
    that no project's mailbox names, and the data from before projects."""

    def __init__(self, projects: Sequence[Project]) -> None:
        self._projects = {p.name: p for p in projects}
        self.first = projects[0]

    @classmethod
    def single(cls, desk: DeskConfig, name: str = SOLE_PROJECT) -> Projects:
        return cls([Project(name, desk)])

    def __iter__(self) -> Iterator[Project]:
        return iter(self._projects.values())

    @property
    def names(self) -> list[str]:
        return list(self._projects)

    def get(self, name: str | None) -> Project | None:
        return self._projects.get(name or self.first.name)

    def namespace_of(self, name: str) -> str | None:
        """The project's own Temporal namespace; None: the installation's."""
        found = self.get(name)
        return found.namespace if found is not None else None

    def namespaces(self, default: str) -> list[str]:
        """Every namespace ticket workflows live in: `default` and the projects' own."""
        own = [p.namespace for p in self._projects.values() if p.namespace]
        return list(dict.fromkeys([default, *own]))

    def desk(self, name: str | None) -> DeskConfig:
        """The desk of project `name` (None or unknown: the first project's)."""
        return (self.get(name) or self.first).desk

    def rules(self) -> list[ProjectRules]:
        """Each project's mailboxes and rules, as a mail reader takes them."""
        return [
            ProjectRules(
                p.name,
                p.mailboxes,
                tuple(p.desk.routing_rules()),
                p.desk.trusted_recipient_headers,
                p.desk.staff.senders_of() if p.desk.staff else None,
            )
            for p in self._projects.values()
        ]

    # --- groups ---------------------------------------------------------------------

    def groups(self) -> frozenset[str]:
        """Every group an agent may belong to, named with its project."""
        return frozenset(
            qualified(p.name, group) for p in self._projects.values() for group in p.desk.groups()
        )

    def qualify(self, group: str) -> str:
        """`group` named with its project: `mail/first-line` as it is, a bare name for
        the one project that has it; GroupError otherwise, listing the choices."""
        group = group.strip()
        if SEPARATOR in group:
            project, _, name = group.partition(SEPARATOR)
            found = self._projects.get(project)
            if found is None:
                raise GroupError(f"unknown project {project!r}; known: {', '.join(self.names)}")
            if name not in found.desk.groups():
                known = ", ".join(sorted(found.desk.groups()))
                raise GroupError(f"unknown group {group!r}; {project} has: {known}")
            return group
        having = [p.name for p in self._projects.values() if group in p.desk.groups()]
        if len(having) == 1:
            return qualified(having[0], group)
        if not having:
            known = ", ".join(sorted(self.groups()))
            raise GroupError(f"unknown group {group!r}; known: {known}")
        choices = " or ".join(qualified(p, group) for p in having)
        raise GroupError(f"group {group!r} is in several projects: name one, {choices}")

    def of_project(self, groups: Iterable[str], project: str) -> frozenset[str]:
        """Of an agent's `groups`, those of `project`, by their names in its desk. A bare
        name (stored before projects) is the first project's."""
        found = set()
        for group in groups:
            name, _, rest = group.partition(SEPARATOR)
            if rest and name == project:
                found.add(rest)
            elif not rest and project == self.first.name:
                found.add(name)
        return frozenset(found)

    def projects_of(self, groups: Iterable[str]) -> list[str]:
        """The projects an agent of `groups` is in, in the desk file's order."""
        return [p for p in self.names if self.of_project(groups, p)]

    def senders(self) -> Mapping[tuple[str, str], str]:
        """(project, queue) -> the address its mail comes from, for queues that have one;
        (project, "") -> its default queue's, for its other queues. Of the first project,
        only queues' own: its other queues send from the installation's address."""
        found: dict[tuple[str, str], str] = {}
        for p in self._projects.values():
            own = p.desk.senders()
            found |= {(p.name, queue): address for queue, address in own.items()}
            default = own.get(p.desk.default_queue.name)
            if p is not self.first and default is not None:
                found[(p.name, "")] = default
        return found

    def signatures(self) -> Mapping[tuple[str, str], str]:
        """(project, language) -> how its mail in that language is signed, where its desk
        says."""
        return {
            (p.name, language): text
            for p in self._projects.values()
            for language, text in p.desk.signatures.items()
        }


def qualified(project: str, group: str) -> str:
    return f"{project}{SEPARATOR}{group}"


def load_projects(path: Path) -> Projects:
    """The projects of a desk file, each with its help articles (`help/<project>/` beside
    the file); DeskConfigError with the file, line and reason."""
    projects = read_desk_file(path, projects_from, root_model)
    try:
        return Projects(
            [
                replace(p, help=tuple(load_help(path.parent / HELP / p.name, p.name)))
                for p in projects
            ]
        )
    except HelpError as exc:
        raise DeskConfigError(str(exc)) from None


def root_model(data: object) -> type[BaseModel]:
    """What a desk file's YAML is: several projects, or one desk."""
    return ProjectsConfig if isinstance(data, dict) and "projects" in data else DeskConfig


def projects_from(data: object) -> Projects:
    """The projects of a desk file's parsed YAML (validation errors as pydantic raises them)."""
    if root_model(data) is ProjectsConfig:
        config = ProjectsConfig.model_validate(data)
        return Projects(
            [Project(p.name, p, project_mailboxes(p), p.namespace) for p in config.projects]
        )
    return Projects.single(DeskConfig.model_validate(data))


def project_mailboxes(config: ProjectConfig) -> frozenset[str]:
    """A project's mailboxes: those it names, and the address of each of its queues."""
    return frozenset(config.mailboxes) | {mailbox(a) for a in config.senders().values()}


def mailbox(address: str) -> str:
    """An address as mailboxes are compared: without case, IDNA domain, plus tag kept
    (support+social@ may be another project's mailbox than support@)."""
    return normalised_address(address, fold_plus_tag=False)


def project_of(
    projects: Sequence[ProjectRules], envelope_to: Sequence[str], headers: Sequence[str]
) -> ProjectRules:
    """The first project with a mailbox among the envelope recipients, else among the To
    and Cc addresses, else the first project."""
    header_addresses = [address for _, address in getaddresses(list(headers)) if address]
    for addresses in (envelope_to, header_addresses):
        for address in addresses:
            box = mailbox(address)
            for project in projects:
                if box in project.mailboxes:
                    return project
    return projects[0]


# How much of an unreadable message's head is looked at for its recipients.
HEAD_PEEK = 16 * 1024


def project_of_unread(
    projects: Sequence[ProjectRules], envelope_to: Sequence[str], raw: bytes
) -> str:
    """The project of a message that could not be read within the limits (so that its
    project's admins review it): by its envelope, else by the To and Cc of its first
    header lines (looked at in a bounded peek; the rest of it is not read), else the
    first project."""
    headers: list[str] = []
    try:
        head = header_block(raw[:HEAD_PEEK])
        parsed = BytesHeaderParser(policy=compat32).parsebytes(head)
        headers = [str(v) for name in ("to", "cc") for v in parsed.get_all(name, [])]
    except Exception:  # what cannot be read: the envelope, or the first project
        headers = []
    return project_of(projects, envelope_to, headers).project
