C     Dot product
      REAL FUNCTION DOT(N, X, Y)
      INTEGER N, I
      REAL X(N), Y(N)
      DOT = 0.0
      DO 20 I = 1, N
   20 DOT = DOT + X(I)*Y(I)
      END
