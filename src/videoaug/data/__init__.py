"""Datasets: readers for UCF101, HMDB51, any UCF-layout folder, the embedded synth4, and subsets."""
