set FOOD;
param cost {FOOD} > 0;
var Buy {FOOD} >= 0;
minimize Total_Cost: sum {j in FOOD} cost[j] * Buy[j];
