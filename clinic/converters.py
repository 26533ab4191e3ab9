"""The path converter for ids and counters: ``<dbint:pk>`` instead of Django's ``<int:pk>``.

Django's ``int`` converter accepts any run of digits, so ``/patients/99999999999999999999/``
reached the database, where a lookup through a foreign key overflows: SQLite's driver raises
OverflowError, PostgreSQL a DataError ("bigint out of range"), both a 500. ``dbint`` matches
only what a BIGINT column (BigAutoField, the project's default) can hold; anything longer
does not match the route, a 404 before any query.
"""

from django.urls import register_converter

DB_INT_MAX = 2**63 - 1  # BIGINT on PostgreSQL and SQLite's INTEGER


class DatabaseIntConverter:
    regex = "[0-9]{1,19}"  # 19 digits cover 2**63 - 1; to_python refuses the few beyond it

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > DB_INT_MAX:
            raise ValueError("beyond the database's integer range")  # ValueError: the route does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    register_converter(DatabaseIntConverter, "dbint")
