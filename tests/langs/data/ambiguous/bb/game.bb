Graphics 640, 480
Global score = 0

Function AddScore(n)
    score = score + n
End Function

While Not KeyHit(1)
    Cls
    Text 10, 10, "Score: " + score
    Flip
Wend
