from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    RemoveIndexConcurrently,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    # The new index is built before the old one goes, without blocking writes.
    atomic = False

    dependencies = [
        ("tickets", "0006_trends_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["new", "open", "waiting_customer", "waiting_third_party"],
                    )
                ),
                fields=["assignee", "-updated_at", "-id"],
                include=("inbox",),
                name="ticket_active_by_assignee",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="ticket",
            name="ticket_active_assignee",
        ),
    ]
