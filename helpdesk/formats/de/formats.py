# German dates: "N" is the month with the usual abbreviation
# ("Dez.", "März", "Sept.").
DATE_FORMAT = "j. N Y"  # 3. Dez. 2026
DATETIME_FORMAT = "j. N Y, H:i"  # 3. Dez. 2026, 14:00
MONTH_DAY_FORMAT = "j. N"  # 3. Dez.

# The project's own names (helpdesk.formats.PROJECT_FORMATS).
DAY_TIME_FORMAT = "j. N, H:i"  # 3. Dez., 14:00
WEEKDAY_TIME_FORMAT = "D., j. N, H:i"  # Do., 3. Dez., 14:00
LONG_DATE_FORMAT = "j. F Y"  # 3. Dezember 2026
WEEKDAY_LONG_DATE_FORMAT = "l, j. F Y"  # Donnerstag, 3. Dezember 2026
