my $total = 0;
open(my $fh, '<', 'data.csv') or die "Cannot open: $!";
while (<$fh>) {
    next if $. == 1;
    my @cols = split /,/;
    $total += $cols[2];
}
close $fh;
print "Total: $total\n";
