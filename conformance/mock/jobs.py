"""In-memory state of created jobs: pending until a few retrieves or seconds have passed."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

MAX_JOBS = 100_000


@dataclass
class Job:
    """One created job and how often it has been retrieved."""

    created: float
    retrieves: int = 0
    reported_done: bool = False


class JobStore:
    """Jobs by id (oldest evicted past MAX_JOBS); finished after N retrieves or T seconds."""

    def __init__(self, complete_after: int = 2, complete_seconds: float = 5.0) -> None:
        self.complete_after = complete_after
        self.complete_seconds = complete_seconds
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def create(self, job_id: str) -> None:
        """Start (or restart) the job `job_id`."""
        self._jobs.pop(job_id, None)
        self._jobs[job_id] = Job(created=time.monotonic())
        if len(self._jobs) > MAX_JOBS:
            self._jobs.popitem(last=False)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def advance(self, job: Job) -> bool:
        """Count one retrieve; True when the job is now finished."""
        job.retrieves += 1
        return (
            job.retrieves >= self.complete_after
            or time.monotonic() - job.created >= self.complete_seconds
        )
