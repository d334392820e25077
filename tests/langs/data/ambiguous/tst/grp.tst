gap> G := CyclicGroup(4);;
gap> Size(G);
4
