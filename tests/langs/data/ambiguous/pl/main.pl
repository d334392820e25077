sub MAIN(Str $file, Int :$lines = 10) {
    my @all = $file.IO.lines;
    .say for @all.head($lines);
    $*ERR.say: "printed {min($lines, @all.elems)} lines";
}
