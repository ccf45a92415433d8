"""The one table of core: the generations of kept pages (core.page_cache)."""

from django.db import models


class PageGeneration(models.Model):
    """The current generation of one scope's kept pages (scope 0: every page).

    Replaced in the transaction that changes what the pages show, so a change and the end
    of the pages that showed the old data commit together, whatever the cache is doing."""

    SITE = 0

    scope = models.PositiveBigIntegerField(primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "page generation"

    def __str__(self) -> str:
        return f"{self.scope}: {self.token}"
