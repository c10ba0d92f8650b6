"""Template helpers of the calendar.

`url_exists` lets the calendar show the "Ellátás megnyitása" button only once the clinical
app has the URL it posts to, so the two apps can land in either order."""

from functools import cache

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_resolver, get_urlconf, reverse

register = template.Library()


@cache
def _name_known_in(urlconf: str, name: str) -> bool:
    namespace, _, view_name = name.rpartition(":")
    resolver = get_resolver(urlconf)
    for part in namespace.split(":") if namespace else []:
        entry = resolver.namespace_dict.get(part)
        if entry is None:
            return False
        resolver = entry[1]
    return view_name in resolver.reverse_dict


def _name_known(name: str) -> bool:
    return _name_known_in(str(get_urlconf() or settings.ROOT_URLCONF), name)


@register.simple_tag
def url_exists(name: str) -> bool:
    """True when a URL pattern with this (namespaced) name exists, whatever its arguments."""
    return _name_known(name)


@register.simple_tag
def optional_url(name: str, *args: object) -> str:
    """reverse(name, args) when that works, reverse(name) when the pattern takes no
    arguments, "" when the name is unknown."""
    if not _name_known(name):
        return ""
    for attempt in (args, ()):
        try:
            return reverse(name, args=attempt)
        except NoReverseMatch:
            continue
    return ""
