# English dates, day first as in the rest of the interface.
DATE_FORMAT = "j M Y"  # 3 Dec 2026
DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 14:00
MONTH_DAY_FORMAT = "j M"  # 3 Dec

# The project's own names (helpdesk.formats.PROJECT_FORMATS).
DAY_TIME_FORMAT = "j M, H:i"  # 3 Dec, 14:00
WEEKDAY_TIME_FORMAT = "D j M, H:i"  # Thu 3 Dec, 14:00
LONG_DATE_FORMAT = "j F Y"  # 3 December 2026
WEEKDAY_LONG_DATE_FORMAT = "l, j F Y"  # Thursday, 3 December 2026
