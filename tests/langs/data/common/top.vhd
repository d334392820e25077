library ieee;
entity top is end top;
