"""The full Together API: chat messages as dicts, choices as a list."""

from __future__ import annotations

from together_types import Client
from together_types.models import (
    ChatCompletionChoicesDataChatCompletionChoicesDatum,
    ChatCompletionResponse,
    ChatCompletionUserMessageParam,
)
from typing_extensions import assert_type


def run(base_url: str) -> None:
    client = Client(api_key="k", base_url=base_url)
    r = client.chat.completions.create(
        model="meta-llama/Llama-3.3-70B-Instruct-Turbo",
        messages=[{"role": "user", "content": "hi"}],
    )
    assert_type(r, ChatCompletionResponse)
    assert isinstance(r.choices, list)
    print(len(r.choices))
    for choice in r.choices:
        assert_type(choice, ChatCompletionChoicesDataChatCompletionChoicesDatum)
        if choice.message is not None:
            print(choice.message.content)
    if r.choices:
        print(r.choices[0].index)
    # a TypedDict of its own, or the model, in the same list
    message: ChatCompletionUserMessageParam.Param = {"role": "user", "content": "again"}
    client.chat.completions.create(
        model="meta-llama/Llama-3.3-70B-Instruct-Turbo",
        messages=[message, {"role": "system", "content": "be brief"}],
    )
