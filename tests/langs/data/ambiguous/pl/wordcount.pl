use strict;
use warnings;

my %count;
while (my $line = <STDIN>) {
    chomp $line;
    $count{lc $_}++ for split /\W+/, $line;
}
foreach my $word (sort { $count{$b} <=> $count{$a} } keys %count) {
    printf "%-20s %d\n", $word, $count{$word};
}
