"""The path converter for ids and counters: ``<dbint:pk>`` instead of Django's ``<int:pk>``.

Django's ``int`` converter accepts any run of digits, so ``/patients/99999999999999999999/``
reached the database: a lookup through a foreign key overflows in SQLite's driver
(OverflowError, a 500); PostgreSQL compares such a literal as numeric but refuses it wherever
it is bound or stored as a bigint (DataError). Django guards only primary-key lookups
(IntegerFieldExact). ``dbint`` matches only what a BIGINT column (BigAutoField, the project's
default) can hold; anything longer does not match the route, a 404 before any query.
"""

from django.urls import register_converter
from django.urls.converters import IntConverter

DB_INT_MAX = 2**63 - 1  # BIGINT on PostgreSQL and SQLite's INTEGER


class DatabaseIntConverter(IntConverter):
    """Django's int converter, bounded (so code that asks "an int converter?" still says yes)."""

    regex = "[0-9]{1,19}"  # 19 digits cover 2**63 - 1; to_python refuses the few beyond it

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > DB_INT_MAX:
            raise ValueError("beyond the database's integer range")  # ValueError: the route does not match
        return number


def register() -> None:
    register_converter(DatabaseIntConverter, "dbint")
