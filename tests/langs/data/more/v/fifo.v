// Synchronous FIFO
module fifo
#(parameter DEPTH = 16, parameter WIDTH = 8)
(input clk, input rst_n, input wr_en, input rd_en,
 input [WIDTH-1:0] din, output [WIDTH-1:0] dout);
  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [3:0] wptr, rptr;
  assign dout = mem[rptr];
endmodule
