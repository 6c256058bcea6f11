"""Sending one message over a subscription's channel, and telling a failure worth retrying from one that is not.

Chosen clients (docs/architecture.md, alert delivery): the standard library's ``smtplib`` for e-mail and
``httpx`` for the webhook and the two group robots. Apprise covers mail, WeCom and DingTalk, but its robot
plugins post to the vendors' fixed hosts, so neither a test receiver nor an intranet relay could stand in;
each robot is one POST of a documented JSON shape, small enough to own.

Outcome rules (issue 8, resilience): a 2xx is delivered; a 5xx, a timeout or a refused connection is retried;
any other answer (4xx, a robot's error code, a refused target) is permanent and the delivery dies at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json as jsonlib
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import quote_plus

import httpx

from inventory.core import settings
from inventory.core.errors import Invalid
from inventory.core.vocab import Channel
from inventory.models import Subscription
from inventory.services.alerts import targets
from inventory.services.alerts.messages import Message

#: robot error codes that mean "too many messages now": worth a retry (WeCom 45009, DingTalk 130101)
ROBOT_RATE_LIMITED = {45009, 130101}
#: how much of a receiver's answer is read and kept
ANSWER_BYTES = 4096


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str = ""
    #: a failure that no retry will mend
    permanent: bool = False


def signature(secret: str, body: bytes) -> str:
    """``X-Reserve-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body (docs/api.md)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_url(target: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk's signed URL: ``timestamp`` in ms and ``sign`` = base64 HMAC-SHA256 of ``timestamp\\nsecret``."""
    if not secret:
        return target
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    separator = "&" if "?" in target else "?"
    return f"{target}{separator}timestamp={stamp}&sign={quote_plus(base64.b64encode(digest).decode())}"


def _post(url: str, *, content: bytes | None = None, json: dict | None = None,
          headers: dict[str, str] | None = None, robot: bool = False) -> Outcome:
    try:
        targets.check_url(url)
    except Invalid as refused:
        return Outcome(False, None, f"target refused: {refused.fields.get('target', [refused.message])[0]}", True)
    timeout = settings.delivery_timeout()
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client, \
                client.stream("POST", url, content=content, json=json, headers=headers) as response:
            # the answer is read only as far as ANSWER_BYTES and the deadline: a receiver that trickles its
            # body must not hold a worker (or a "send a test" request) for longer than the timeout
            answer = b""
            for chunk in response.iter_bytes():
                answer += chunk
                if len(answer) >= ANSWER_BYTES or time.monotonic() > deadline:
                    break
    except httpx.TimeoutException:
        return Outcome(False, None, "timed out")
    except httpx.HTTPError as failure:
        return Outcome(False, None, f"{type(failure).__name__}: {failure}"[:500])
    status, text = response.status_code, answer[:300].decode(errors="replace")
    if status >= 500:
        return Outcome(False, status, text)
    if not 200 <= status < 300:
        return Outcome(False, status, text, permanent=True)
    if robot:
        try:
            code = int(jsonlib.loads(answer).get("errcode", 0))
        except (ValueError, AttributeError):
            return Outcome(False, status, f"not a robot's answer: {text}", permanent=True)
        if code:
            return Outcome(False, status, f"errcode {code}: {text}", permanent=code not in ROBOT_RATE_LIMITED)
    return Outcome(True, status)


def _email(subscription: Subscription, message: Message) -> Outcome:
    mail = settings.mail_settings()
    email = EmailMessage()
    email["Subject"], email["From"], email["To"] = message.subject, mail["sender"], subscription.target
    email["Message-ID"] = f"<{message.batch}@reserve>"
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    try:
        with smtplib.SMTP(mail["server"], mail["port"], timeout=settings.delivery_timeout()) as smtp:
            if mail["tls"]:
                smtp.starttls(context=ssl.create_default_context())
            if mail["username"]:
                smtp.login(mail["username"], mail["password"])
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()))
        return Outcome(False, code, reply.decode(errors="replace")[:300], permanent=code >= 500)
    except smtplib.SMTPResponseException as failure:
        return Outcome(False, failure.smtp_code, str(failure.smtp_error)[:300], permanent=failure.smtp_code >= 500)
    except (OSError, smtplib.SMTPException) as failure:
        return Outcome(False, None, f"{type(failure).__name__}: {failure}"[:500])
    return Outcome(True, 250)


def send(subscription: Subscription, message: Message) -> Outcome:
    """One attempt; the in-app inbox needs none (its rows are the inbox)."""
    channel = subscription.channel
    if channel == Channel.inbox:
        return Outcome(True)
    if channel == Channel.email:
        return _email(subscription, message)
    if channel == Channel.webhook:
        return _post(subscription.target, content=message.body, headers={
            "Content-Type": "application/json", "X-Reserve-Delivery": message.batch,
            "X-Reserve-Signature": signature(subscription.secret, message.body)})
    if channel == Channel.wecom:
        return _post(subscription.target, robot=True,
                     json={"msgtype": "markdown", "markdown": {"content": message.markdown}})
    if channel == Channel.dingtalk:
        return _post(dingtalk_url(subscription.target, subscription.secret), robot=True,
                     json={"msgtype": "markdown", "markdown": {"title": message.subject[:64], "text": message.markdown}})
    return Outcome(False, None, f"unknown channel {channel}", permanent=True)
