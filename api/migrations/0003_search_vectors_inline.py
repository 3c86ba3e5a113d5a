"""PostgreSQL: keep each search vector in its row instead of TOAST.

A vector of a typical article is about 2.5 KB, just over the 2 KB at which PostgreSQL moves a
value out of line (uncompressed: tsvectors hardly compress), so ranking a common word fetched
every matching row's vector from the TOAST table, one index lookup each: 205 ms for "pain"
(19,561 matches of 20,000) against 55 ms with the vectors in the rows (bench/README.md). Rows may
now fill a page (toast_tuple_target), and the vector stays in line unless a row cannot fit.
Existing vectors are rewritten so that they move in. Lists, filters and details do not read the
table's rows (covering indexes), and the JSON lives apart (PublicDocument), so nothing else grows.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE api_publicarticle ALTER COLUMN search_vector SET STORAGE MAIN",
    "ALTER TABLE api_publicarticle SET (toast_tuple_target = 8160)",
    # A new value (|| builds one) is stored under the new rules; an unchanged one would stay put.
    "UPDATE api_publicarticle SET search_vector = search_vector || ''::tsvector"
    " WHERE search_vector IS NOT NULL",
]
BACKWARD = [
    "ALTER TABLE api_publicarticle ALTER COLUMN search_vector SET STORAGE EXTENDED",
    "ALTER TABLE api_publicarticle RESET (toast_tuple_target)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("api", "0002_public_articles")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
