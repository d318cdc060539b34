"""AVD training (Eq. 1-3): the reconstruction loss falls, the teacher term pulls E's images toward
real-frame statistics, a resumed run equals an uninterrupted one."""

import torch

from videoaug.methods.avd.training import AVDConfig, load_encoder, train_avd

SIZE = (8, 12)


def sampler_from(clips: torch.Tensor):
    """Draws clips of a fixed tiny set and real frames (one frame of a second draw)."""

    def sample(batch_size, generator):
        first = torch.randint(len(clips), (batch_size,), generator=generator)
        second = torch.randint(len(clips), (batch_size,), generator=generator)
        t = torch.randint(clips.shape[2], (batch_size,), generator=generator)
        real = torch.stack([clips[i, :, j] for i, j in zip(second, t, strict=True)])
        return clips[first], real

    return sample


def tiny_set(n=6, frames=4):
    g = torch.Generator().manual_seed(0)
    # bright, textured frames: mean ~0.5 in [-1, 1] units, far from an untrained E's output
    base = torch.rand(n, 3, 1, *SIZE, generator=g) * 0.6 + 0.2
    drift = torch.linspace(0, 0.2, frames).view(1, 1, frames, 1, 1)
    return (base + drift).clamp(-1, 1)


def config(**kw):
    values = dict(clip_len=4, image_size=SIZE, widths=(4, 4, 4, 4),
                  teacher_hidden=(16, 8, 8, 4), iterations=40, batch_size=4, lr=2e-3,
                  checkpoint_every=10, seed=0)
    values.update(kw)
    return AVDConfig(**values)


def test_reconstruction_loss_falls(tmp_path):
    torch.set_num_threads(1)
    state = train_avd(sampler_from(tiny_set()), config(lam=1.0), tmp_path / "m.pt")
    rec = state.history["rec_loss"]
    assert sum(rec[-5:]) / 5 < 0.5 * sum(rec[:5]) / 5


def test_teacher_moves_images_toward_real_frame_statistics(tmp_path):
    """Mean intensity of E's images vs the real frames': the adversarial term (λ < 1) must bring
    them much closer than the auto-encoder alone (λ = 1), whose bottleneck image is free."""
    torch.set_num_threads(1)
    clips = tiny_set()
    real_mean = clips.mean().item()
    gaps = {}
    for lam in (1.0, 0.3):
        path = tmp_path / f"m{lam}.pt"
        train_avd(sampler_from(clips), config(lam=lam, iterations=60), path)
        encoder, _ = load_encoder(path)
        with torch.no_grad():
            gaps[lam] = abs(encoder(clips).mean().item() - real_mean)
    # measured over init seeds 0-2: 0.57-0.75 with λ = 1, 0.01-0.05 with λ = 0.3
    assert gaps[0.3] < 0.5 * gaps[1.0], gaps


def test_resume_equals_uninterrupted(tmp_path):
    torch.set_num_threads(1)
    sampler = sampler_from(tiny_set())
    full = train_avd(sampler, config(lam=0.8, iterations=20), tmp_path / "full.pt")
    train_avd(sampler, config(lam=0.8, iterations=10), tmp_path / "part.pt")  # "killed" at 10
    resumed = train_avd(sampler, config(lam=0.8, iterations=20), tmp_path / "part.pt")
    assert resumed.history == full.history
    for a, b in zip(full.encoder.state_dict().values(), resumed.encoder.state_dict().values(),
                    strict=True):
        assert torch.equal(a, b)
