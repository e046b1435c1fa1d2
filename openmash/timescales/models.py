"""Local closure days: days the MASH is closed beyond weekends and bank holidays."""

from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel


class ClosureDay(BaseModel):
    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d %B %Y}: {self.reason}"
