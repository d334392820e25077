unit Geometry;

interface

function Area(W, H: Double): Double;

implementation

function Area(W, H: Double): Double;
begin
  Area := W * H;
end;

end.
