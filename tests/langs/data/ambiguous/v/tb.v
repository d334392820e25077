module tb;
  reg clk = 0;
  always #5 clk = ~clk;
  initial begin
    $dumpfile("tb.vcd");
    $dumpvars(0, tb);
    #100 $finish;
  end
endmodule
