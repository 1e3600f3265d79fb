"""The video spec (the committed package): an open status enum, nested dict params."""

from __future__ import annotations

from together_videos import Client
from together_videos.models import VideoJob, VideoJobOutputs, VideoMedia, VideoRef, VideoStatus
from typing_extensions import assert_type


def run(base_url: str) -> None:
    client = Client(api_key="k", base_url=base_url)
    job = client.videos.create(
        model="together/video-model",
        prompt="an astronaut riding a horse",
        media={
            "reference_images": ["https://img.example/a.png"],
            "source_video": {"video": "https://vid.example/a.mp4"},
            "frame_images": [{"input_image": "https://img.example/f.png", "frame": "first"}],
        },
        output_format="MP4",
    )
    assert_type(job, VideoJob)
    # the open enum stays the enum for type checkers: members complete, comparisons check
    assert_type(job.status, VideoStatus)
    assert isinstance(job.status, VideoStatus)
    if job.status == "completed" and job.outputs is not None:
        assert_type(job.outputs, VideoJobOutputs)
        print(job.outputs.video_url)
    elif job.status in (VideoStatus.IN_PROGRESS, "failed"):
        print(job.status.value)
    # models where the dicts go, mixed freely
    media = VideoMedia(
        reference_images=["https://img.example/b.png"], source_video=VideoRef(video="v")
    )
    again = client.videos.create(model="together/video-model", prompt="a cat", media=media)
    assert again.id
