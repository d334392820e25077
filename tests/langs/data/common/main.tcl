puts hi
