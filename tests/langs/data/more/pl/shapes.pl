class Rectangle {
    has $.width;
    has $.height;
    method area { $!width * $!height }
}

my $r = Rectangle.new(width => 3, height => 4);
say $r.area;
