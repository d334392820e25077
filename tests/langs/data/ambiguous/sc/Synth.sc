MySynth {
    *new { arg freq = 440;
        ^super.new.init(freq);
    }
    init { arg freq;
        SynthDef(\sine, { Out.ar(0, SinOsc.ar(freq, 0, 0.2)) }).add;
    }
}
