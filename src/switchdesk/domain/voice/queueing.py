"""The queue experience of a waiting caller, as call-control actions: position and
estimated wait announced, hold music, a callback offer that keeps the place in line;
then the ring to the agent who accepted the call."""

from __future__ import annotations

from switchdesk.domain.voice.actions import Action, Gather, Hold, Play, RingAgent, Say

CALLBACK_KEY = "1"

_TEXTS = {
    "en": {
        "position": "You are number {position} in line.",
        "wait": "Your estimated wait is about {minutes} minute{s}.",
        "no_agent": "No agent is available right now; we will answer as soon as one is.",
        "callback": "Press 1 to be called back; you keep your place in line.",
        "callback_taken": "Thank you. We will call you back when it is your turn. Goodbye.",
        "connecting": "Connecting you to an agent.",
    },
    "fr": {
        "position": "Vous êtes le numéro {position} dans la file.",
        "wait": "Votre attente est estimée à environ {minutes} minute{s}.",
        "no_agent": "Aucun conseiller n'est disponible pour le moment ; "
        "nous vous répondrons dès que possible.",
        "callback": "Tapez 1 pour être rappelé ; vous gardez votre place.",
        "callback_taken": "Merci. Nous vous rappellerons à votre tour. Au revoir.",
        "connecting": "Nous vous mettons en relation avec un conseiller.",
    },
}


def _texts(language: str) -> dict[str, str]:
    return _TEXTS.get(language, _TEXTS["en"])


def announcement(position: int, wait_seconds: float | None, language: str) -> str:
    """ "You are number 2 in line. Your estimated wait is about 3 minutes." With no
    estimate (no agent of the queue is available) it says so instead of guessing."""
    t = _texts(language)
    if wait_seconds is None:
        return " ".join((t["position"].format(position=position), t["no_agent"]))
    minutes = max(1, round(wait_seconds / 60))
    return " ".join(
        (
            t["position"].format(position=position),
            t["wait"].format(minutes=minutes, s="" if minutes == 1 else "s"),
        )
    )


def waiting_actions(
    position: int,
    wait_seconds: float | None,
    *,
    language: str,
    music_url: str = "",
    hold_seconds: int = 20,
    offer_callback: bool = False,
) -> tuple[Action, ...]:
    """One round of waiting: the announcement, then music for ``hold_seconds``; with a
    callback offer the round listens for :data:`CALLBACK_KEY` meanwhile."""
    say = Say(announcement(position, wait_seconds, language), language)
    if offer_callback:
        prompts: tuple[Say | Play, ...] = (say, Say(_texts(language)["callback"], language))
        if music_url:
            prompts = (*prompts, Play(music_url))
        return (Gather(prompts, 1, hold_seconds),)
    return (say, Hold(hold_seconds, music_url))


def callback_taken(language: str) -> Say:
    return Say(_texts(language)["callback_taken"], language)


def connect_actions(agent_id: str, target: str, language: str) -> tuple[Action, ...]:
    """The caller hears that they are connected while the agent's leg rings."""
    return (Say(_texts(language)["connecting"], language), RingAgent(agent_id, target))
