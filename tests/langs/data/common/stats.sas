data a; set b; run;
