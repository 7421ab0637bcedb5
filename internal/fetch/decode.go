package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
)

// decoder reads a body through its content coding, opened on the first
// read. An error of the coding, rather than of the connection under it,
// names the Content-Encoding: a body that is not what its header says is
// the server's mistake, and must not read as a document in an unknown
// charset nor as a network failure.
type decoder struct {
	coding string
	src    watched
	open   func(io.Reader) (io.Reader, error)
	r      io.Reader
	err    error
}

func newDecoder(coding string, src io.Reader, open func(io.Reader) (io.Reader, error)) *decoder {
	return &decoder{coding: coding, src: watched{r: src}, open: open}
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.r == nil {
		r, err := d.open(&d.src)
		if err != nil {
			d.err = d.named(err)
			return 0, d.err
		}
		d.r = r
	}
	n, err := d.r.Read(p)
	if err != nil {
		d.err = d.named(err)
	}
	return n, d.err
}

// named returns err, naming the coding unless it is the end of the body or
// the error of the connection passed on.
func (d *decoder) named(err error) error {
	if err == io.EOF || (d.src.err != nil && d.src.err != io.EOF && err == d.src.err) {
		return err
	}
	return fmt.Errorf("Content-Encoding %s: %w", d.coding, err)
}

// watched remembers the last error of the reader it reads.
type watched struct {
	r   io.Reader
	err error
}

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func openGzip(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

// openDeflate reads "deflate" as RFC 9110 defines it, a zlib stream, and
// as some servers send it, raw deflate: the two bytes of a zlib header
// tell them apart.
func openDeflate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && h[0]>>4 <= 7 && (uint(h[0])<<8|uint(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
