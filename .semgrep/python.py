# Fixtures for `semgrep --test .semgrep/`: each rule must flag the `ruleid:` line below it
# and stay quiet on the `ok:` line. Never imported or run.
import os
import pickle
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

import yaml
from django.db import connection
from django.db.models.expressions import RawSQL
from django.template import Template, engines
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt


def page(request, person):
    # ruleid: reunite.mark-safe-on-data
    mark_safe(person.given_names)
    # ok: reunite.mark-safe-on-data
    mark_safe("<br>")
    # ruleid: reunite.mark-safe-on-data
    format_html(request.GET["q"])
    # ok: reunite.mark-safe-on-data
    format_html("<b>{}</b>", person.given_names)


def query(request, Person):
    name = request.GET["name"]
    with connection.cursor() as cursor:
        # ruleid: reunite.raw-sql-formatting
        cursor.execute(f"SELECT * FROM people_person WHERE given = '{name}'")
        # ruleid: reunite.raw-sql-formatting
        cursor.execute("SELECT * FROM people_person WHERE given = '%s'" % name)
        # ruleid: reunite.raw-sql-formatting
        cursor.execute("SELECT * FROM people_person WHERE given = '{}'".format(name))
        # ruleid: reunite.raw-sql-formatting
        cursor.execute("SELECT * FROM people_person WHERE given = " + name)
        # ok: reunite.raw-sql-formatting
        cursor.execute("SELECT * FROM people_person WHERE given = %s", [name])
    # ruleid: reunite.raw-sql-formatting
    Person.objects.raw(f"SELECT * FROM people_person WHERE given = '{name}'")
    # ruleid: reunite.raw-sql-formatting
    Person.objects.extra(where=[f"given = '{name}'"])
    # ruleid: reunite.raw-sql-formatting
    RawSQL(f"given = '{name}'", [])
    # ok: reunite.raw-sql-formatting
    RawSQL("given = %s", [name])


# ruleid: reunite.csrf-exempt
@csrf_exempt
def hook(request):
    return None


# ruleid: reunite.debug-true
DEBUG = True
# ok: reunite.debug-true
DEBUG = os.environ.get("DEBUG") == "1"


def fetch(url):
    # ruleid: reunite.outbound-http
    return urllib.request.urlopen(url)


def load(blob, text):
    # ruleid: reunite.unsafe-deserialisation
    pickle.loads(blob)
    # ruleid: reunite.yaml-unsafe-load
    yaml.load(text)
    # ok: reunite.yaml-unsafe-load
    yaml.load(text, Loader=yaml.SafeLoader)
    # ok: reunite.yaml-unsafe-load
    yaml.safe_load(text)
    # ruleid: reunite.unsafe-xml-parser
    ET.fromstring(text)
    # ok: reunite.unsafe-xml-parser
    ET.Element("person")
    # ruleid: reunite.dynamic-code
    eval(text)


def render(request):
    # ruleid: reunite.template-from-input
    Template(request.POST["letter"])
    # ruleid: reunite.template-from-input
    engines["django"].from_string(request.GET["t"])
    # ok: reunite.template-from-input
    Template("{{ name }}")


def greet(request, name):
    template = request.GET["greeting"]
    # ruleid: reunite.format-string-from-input
    template.format(name=name)
    # ruleid: reunite.format-string-from-input
    request.POST["note"] % {"name": name}
    # ok: reunite.format-string-from-input
    "Hello {name}".format(name=request.GET["name"])
    # ok: reunite.format-string-from-input
    "Hello %(name)s" % {"name": request.GET["name"]}
    count = len(request.POST.getlist("child"))
    # ok: reunite.format-string-from-input
    ngettext("%(n)s child", "%(n)s children", count) % {"n": count}


def run(name):
    # ruleid: reunite.shell-command
    subprocess.run(f"convert {name}", shell=True)
    # ok: reunite.shell-command
    subprocess.run(["convert", name], check=True)
    # ruleid: reunite.shell-command
    os.system("convert " + name)


def view(request, logger):
    # ruleid: reunite.request-data-logged
    logger.info("intake %s", request.POST)
    # ok: reunite.request-data-logged
    logger.info("intake for %s", request.path)
