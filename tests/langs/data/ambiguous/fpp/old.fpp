#ifdef DOUBLE
C     use double precision
#endif
      SUBROUTINE INIT(A, N)
      REAL A(N)
      DO 10 I = 1, N
   10 A(I) = 0.0
      END
