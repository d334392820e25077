# Order of symmetric groups
for n in [1..5] do
    G := SymmetricGroup(n);
    Print(n, " ", Size(G), "\n");
od;
