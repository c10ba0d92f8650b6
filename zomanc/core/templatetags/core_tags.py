"""`{% main_nav %}`: the main menu of base.html (_nav.html) from the `fragments` cache.

Every page renders the menu — ten links, each a `reverse`, each label a translation — and it
depends only on which of the viewer's permissions are granted (the `can` map), the language
and where the URLs point (script prefix, URLconf): the key is a digest of these. It holds no
practice's data, so viewers of different practices with the same permissions share it.
Nothing is invalidated: a changed input is a new key."""

import hashlib
from collections.abc import Mapping

from django import template
from django.core.cache import caches
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NAV_TEMPLATE = "_nav.html"
NAV_CACHE_ALIAS = "fragments"
# Bump when _nav.html changes: entries made by the previous code then miss.
NAV_MARKUP_VERSION = 1


def nav_cache_key(can: Mapping[str, bool]) -> str:
    inputs = repr(
        (
            NAV_MARKUP_VERSION,
            sorted(name for name, allowed in can.items() if allowed),
            translation.get_language(),
            get_script_prefix(),
            get_urlconf(),
        )
    )
    return "core:nav:" + hashlib.blake2b(inputs.encode(), digest_size=20).hexdigest()


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """Same markup as `{% include "_nav.html" %}`."""
    key = nav_cache_key(context.get("can") or {})
    cache = caches[NAV_CACHE_ALIAS]
    html: str | None = cache.get(key)
    if html is None:
        nav = context.template.engine.get_template(NAV_TEMPLATE)  # type: ignore[union-attr]
        html = str(nav.render(context))
        cache.set(key, html)
    return mark_safe(html)  # a rendered, autoescaped template
