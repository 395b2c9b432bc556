# chart.gp -- the benchmark chart: throughput per configuration, and per-event cost by window overlap.
# gnuplot -e "datafile='latest.dat'; outfile='latest.png'" bench/chart.gp
set terminal pngcairo size 1100,450 noenhanced
set output outfile
set multiplot layout 1,2 title "sluice benchmark (medians)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set title "Clickstream job throughput (events/s)"
set xtics rotate by -30
plot datafile index 0 using 0:2:xtic(1) with boxes notitle lc rgb "#3b7dd8"
set title "Per-event cost vs window overlap (steady ns/event)"
set xlabel "panes per window (size / slide)"
set xtics norotate
set datafile missing "?"
set key top left
plot datafile index 1 using 0:2:xtic(1) with boxes title "engine" lc rgb "#d8773b", \
     datafile index 1 using 0:3 with points pt 7 ps 1.5 lc rgb "#333333" title "COST baseline"
unset multiplot
