"""The built-in engine's bars over the rejection threshold, each chosen on the calibration
voices and sentences (never the held-out ones): when a phrase is answered at a pause, when
it must lead the other meanings in noise, when a wake phrase starts a session on its own,
when the nearest voice of an utterance is taken. sphinx.py applies them; the measurements
behind each are in docs/recognition-experiments.md.
"""

EARLY_MARGIN = 1.5
"""How far above the rejection threshold a phrase decoded at a pause must score to be
taken before the endpointer has ended the utterance (sphinx.py, `_answer_at_pause`). Chosen by
`python -m bench.pauses` on the calibration voices and sentences: the lowest margin that
lets no more non-commands through than answering only at the endpointer's end (9.4% of
448 clean); commands understood 98.5% of 1060 either way, 96% of them at a pause."""
LEAD_MIN = 2.0
"""In noise (`noisy_input`), how far a phrase must lead the best phrase of another
meaning (sphinx_decoder.Rivals; per frame, in the rejection margin's units) to be taken,
when the recognizer knows what its phrases mean: otherwise it is rejected, for acting on
the wrong command is worse than being asked again. In noise most wrong commands are
near-ties ("hold on" and "move on"); in quiet and at 8 kHz they are rare or confident,
and a lead costs more right commands than it saves, so it is not measured there. Chosen
on the calibration voices, every third test sentence, in white, wind, steps and rain
noise at 10 dB (the most commands understood less commands taken for another; 1.5 to
2.5 within 0.2 points): understood 77.0% -> 74.3%, taken for another command 10.7% ->
6.4%, unrelated speech accepted 10.8% -> 8.0% (docs/recognition-experiments.md)."""
WAKE_MARGIN = 1.0
"""How far above the rejection threshold a wake phrase must score to start a session on
its own (app/wake.py; below it, only when said twice). Chosen on the calibration voices'
test sentences (four voices, 48 wake commands and 208 other sentences per condition),
clean and in white, rain, steps and traffic noise at 10 dB; per bar 0 / 0.5 / 1 / 1.5 / 2:
other sentences taken for a wake phrase clean 3 / 1 / 1 / 0 / 0 of 208, in noise 8 / 7 /
4 / 2 / 0 of 832; wake commands that wake at once clean 45 / 44 / 42 / 42 / 40 of 48, in
noise 162 / 154 / 142 / 120 / 108 of 192 (measured above the bar, which is 0.25 higher
when an utterance's decodes disagree, see choice.py). 1 halves the false wakes in noise
and keeps them near 0.5% with room for voices never heard; three in four "cramp help"s
in noise still wake at once. (docs/recognition-experiments.md)"""
NEARBY_MARGIN = 2.5
"""How far above the rejection threshold the nearest voice of an utterance turned down
must score to be taken (sphinx.py, `_end`); 1.5 let 2 more of the calibration voices' 208
unrelated sentences through in quiet, 2.5 none (docs/recognition-experiments.md)."""
NEARBY_CUT = 1.0
"""Seconds of faint speech cut from around the nearest voice that let it be taken below
NEARBY_MARGIN when it means what the whole utterance's phrase meant (sphinx.py, `_end`); with no
such length, 5 more of those 208 passed."""
