package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"
)

// The chart is drawn with the standard library alone: horizontal bars of
// throughput on a log scale, one group per workload, one bar per target,
// lettered with a 5x7 pixel font defined below.

var (
	white   = color.RGBA{255, 255, 255, 255}
	ink     = color.RGBA{30, 30, 30, 255}
	grid    = color.RGBA{215, 215, 215, 255}
	palette = []color.RGBA{{31, 84, 160, 255}, {230, 126, 34, 255}, {39, 150, 90, 255}, {140, 70, 160, 255}}
)

// glyphs are 5 columns by 7 rows; each string is one row, '#' lit.
var glyphs = map[rune][7]string{
	'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
	'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
	'D': {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
	'G': {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},
	'H': {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'J': {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},
	'K': {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
	'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
	'O': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	'Q': {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},
	'R': {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},
	'S': {".####", "#....", "#....", ".###.", "....#", "....#", "####."},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
	'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'W': {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},
	'X': {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},
	'Y': {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},
	'Z': {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	'/': {"....#", "....#", "...#.", "..#..", ".#...", "#....", "#...."},
	'@': {".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."},
	'%': {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"},
	'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
	')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	'=': {".....", ".....", "#####", ".....", "#####", ".....", "....."},
	'<': {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."},
	'>': {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."},
	'x': {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"},
}

// canvas is an RGBA image with text and rectangles.
type canvas struct{ *image.RGBA }

func (c canvas) rect(x0, y0, x1, y1 int, col color.RGBA) {
	for y := max(y0, 0); y < min(y1, c.Bounds().Dy()); y++ {
		for x := max(x0, 0); x < min(x1, c.Bounds().Dx()); x++ {
			c.SetRGBA(x, y, col)
		}
	}
}

// text writes s at (x, y), its top left, with pixels scale wide; letters
// are upper case except an x right after a digit (a ratio: 12.3x). It
// returns the width written.
func (c canvas) text(x, y int, s string, scale int, col color.RGBA) int {
	x0 := x
	prev := ' '
	for _, r := range s {
		if r != 'x' || prev < '0' || prev > '9' {
			r = []rune(strings.ToUpper(string(r)))[0]
		}
		prev = r
		if g, ok := glyphs[r]; ok {
			for row, bits := range g {
				for colN, b := range bits {
					if b == '#' {
						c.rect(x+colN*scale, y+row*scale, x+(colN+1)*scale, y+(row+1)*scale, col)
					}
				}
			}
		}
		x += 6 * scale
	}
	return x - x0
}

func textWidth(s string, scale int) int { return len([]rune(s)) * 6 * scale }

// chart draws the throughput of every workload at concurrency conc, one bar
// per target, on a log scale, and returns the PNG.
func (r *report) chart(conc int) ([]byte, error) {
	targets := append([]string{r.ninshouName()}, r.presentPeers()...)
	labels := r.labels()
	const (
		scale  = 2
		bar    = 16
		gap    = 3
		groupP = 14
		top    = 96
		right  = 150
	)
	left := 0
	for _, l := range labels {
		left = max(left, textWidth(l, scale))
	}
	left += 24
	width := max(left+720+right, 1100)
	groupH := len(targets)*(bar+gap) + groupP
	height := top + len(labels)*groupH + 60
	c := canvas{image.NewRGBA(image.Rect(0, 0, width, height))}
	c.rect(0, 0, width, height, white)

	maxOps := 1.0
	for _, x := range r.Results {
		if x.Concurrency == conc {
			maxOps = max(maxOps, x.OpsPerSec)
		}
	}
	decades := int(math.Ceil(math.Log10(maxOps)))
	plotW := width - left - right
	xOf := func(v float64) int {
		if v <= 1 {
			return left
		}
		return left + int(float64(plotW)*math.Log10(v)/float64(decades))
	}
	title := "OPERATIONS PER SECOND AT CONCURRENCY " + strconv.Itoa(conc) + " (LOG SCALE), PASSWORD COST " + r.Settings.PasswordCost
	c.text(left, 12, title, scale, ink)
	lx := left
	for i, t := range targets {
		c.rect(lx, 44, lx+20, 58, palette[i%len(palette)])
		lx += 28 + c.text(lx+28, 44, t, scale, ink) + 24
	}
	for d := 0; d <= decades; d++ {
		x := xOf(math.Pow(10, float64(d)))
		c.rect(x, top-8, x+1, height-50, grid)
		s := strconv.FormatFloat(math.Pow(10, float64(d)), 'f', 0, 64)
		c.text(x-textWidth(s, scale)/2, height-42, s, scale, ink)
	}
	y := top
	for _, l := range labels {
		c.text(8, y+(len(targets)*(bar+gap))/2-7, l, scale, ink)
		for i, t := range targets {
			x := r.find(t, l, conc)
			col := palette[i%len(palette)]
			if ok(x) {
				end := xOf(x.OpsPerSec)
				c.rect(left, y, max(end, left+2), y+bar, col)
				c.text(max(end, left+2)+6, y+1, strconv.FormatFloat(x.OpsPerSec, 'f', 0, 64), scale, ink)
			} else {
				c.text(left+6, y+1, t+": "+cell(x), scale, color.RGBA{140, 140, 140, 255})
			}
			y += bar + gap
		}
		y += groupP
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, c)
	return buf.Bytes(), err
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }
