"""Date formats of the interface per language (FORMAT_MODULE_PATH).

Templates name a format instead of spelling one out, so each language gets
its own: `{{ when|date:"DATETIME_FORMAT" }}` reads "3 Dec 2026, 14:00" in
English and "3. Dez. 2026, 14:00" in German. Besides Django's names, every
language module defines the project's own (see `PROJECT_FORMATS`); Django
takes a name it finds in no module as a literal format, so each language
must define them all.
"""

PROJECT_FORMATS = (
    "DAY_TIME_FORMAT",
    "WEEKDAY_TIME_FORMAT",
    "LONG_DATE_FORMAT",
    "WEEKDAY_LONG_DATE_FORMAT",
)
