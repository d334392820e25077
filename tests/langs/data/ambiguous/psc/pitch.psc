form Pitch analysis
    positive Time_step 0.01
endform
sound = Read from file: "audio.wav"
pitch = To Pitch: time_step, 75, 600
writeInfoLine: "done"
