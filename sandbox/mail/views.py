"""The catcher's pages ("Elküldött levelek"): the list, one message (headers, text, the HTML
body in a sandboxed frame, attachments), the HTML body on its own URL, an attachment.

Open without a login, like any development mail catcher: the sandbox listens on 127.0.0.1,
every message in it is made up, and the person trying the demo reads it as the patient would
(reminder links in issue 17 are clicked from here). The HTML body is someone else's markup:
served on its own URL with ``Content-Security-Policy: sandbox`` (no scripts, no forms, a
unique origin) and shown in an iframe that is sandboxed too; its links open in a new tab."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from sandbox.mail import selectors, services
from sandbox.mail.smtp import LATER_DOMAIN, REFUSE_DOMAIN

# The HTML body's own policy: a sandboxed document (no scripts, forms or same-origin access)
# that may open its links in a new, unsandboxed tab; inline styles (mail HTML is styled
# inline) and data: images only, nothing fetched from anywhere; framed only by our page.
HTML_BODY_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'none'"
)


@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    to = request.GET.get("to", "").strip()[:200]
    page = Paginator(selectors.messages_list(to=to), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mail/list.html",
        {
            "page": page,
            "to": to,
            "refuse_domain": REFUSE_DOMAIN,
            "later_domain": LATER_DOMAIN,
        },
    )


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message(pk)
    return render(
        request,
        "mail/detail.html",
        {"message": message, "attachments": list(message.attachments.defer("data"))},
    )


@require_GET
@xframe_options_sameorigin
def message_html(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message(pk)
    # <base target="_blank">: a link opens a new tab (the frame's own navigation would land
    # on pages that refuse to be framed, like the practice system's).
    body = message.html_body or f"<pre>{escape(message.text_body)}</pre>"
    response = HttpResponse(
        '<!DOCTYPE html><meta charset="utf-8"><base target="_blank">' + body,
        content_type="text/html; charset=utf-8",
    )
    response["Content-Security-Policy"] = HTML_BODY_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.access_attachment(pk, attachment_pk)
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = _disposition(attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    # An attachment is never a page of ours: no script of it runs in our origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_GET
def message_raw(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message_raw(pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = _disposition(f"level-{message.pk}.eml")
    return response


@require_POST
def messages_clear(request: HttpRequest) -> HttpResponse:
    count = services.messages_clear()
    messages.success(request, f"{count} levél törölve.")
    return redirect("mail:list")


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
