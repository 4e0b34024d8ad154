package retrieval

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ReadNpy reads a 2-D embedding matrix [rows, dim] from a NumPy .npy file (format versions
// 1.0, 2.0 and 3.0). Supported dtypes are float16, float32 and float64 in either byte
// order ('<f2', '<f4', '<f8', '>f4', …); values are converted to float32, so float64
// input loses precision beyond float32's 7 digits. Fortran (column-major) order is
// transposed on reading. Errors name the file, the byte offset and the problem: a wrong
// magic string, an unsupported dtype, a shape that is not 2-D or has rows of 0 dimensions,
// or data shorter or longer than the header's shape. A directory is an error too. The file
// is only read.
func ReadNpy(path string) (Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return Matrix{}, fmt.Errorf("retrieval: ReadNpy: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Matrix{}, fmt.Errorf("retrieval: ReadNpy: %w", err)
	}
	if info.IsDir() {
		return Matrix{}, fmt.Errorf("retrieval: ReadNpy: %s is a directory, want a .npy file", path)
	}
	m, err := parseNpy(bufio.NewReader(f), path, info.Size())
	if err != nil {
		return Matrix{}, fmt.Errorf("retrieval: ReadNpy: %w", err)
	}
	return m, nil
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// npyHeader is the parsed header dictionary of a .npy file.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
	offset  int // byte offset of the data
}

// parseNpy reads a .npy stream of fileSize bytes. The header's shape is checked against
// fileSize before any allocation, so a corrupt or hostile header cannot make the reader
// allocate more than the file holds.
func parseNpy(r io.Reader, name string, fileSize int64) (Matrix, error) {
	h, err := readNpyHeader(r, name)
	if err != nil {
		return Matrix{}, err
	}
	if len(h.shape) != 2 {
		return Matrix{}, fmt.Errorf("%s: shape %v is not 2-D; want [rows, dim] with one embedding per row", name, h.shape)
	}
	order, size, err := npyDType(h.descr)
	if err != nil {
		return Matrix{}, fmt.Errorf("%s: %w", name, err)
	}
	rows, cols := h.shape[0], h.shape[1]
	if cols == 0 && rows > 0 {
		return Matrix{}, fmt.Errorf("%s: shape (%d, %d) has rows of 0 dimensions; want [rows, dim] with dim ≥ 1", name, rows, cols)
	}
	// Compare in float64 first: rows·cols·size can overflow int.
	available := fileSize - int64(h.offset)
	if float64(rows)*float64(cols)*float64(size) > float64(available) {
		return Matrix{}, fmt.Errorf("%s: data ends at byte %d, want %.0f bytes of %s data for shape (%d, %d) from byte %d",
			name, fileSize, float64(rows)*float64(cols)*float64(size), h.descr, rows, cols, h.offset)
	}
	want := rows * cols * size
	raw := make([]byte, want)
	n, err := io.ReadFull(r, raw)
	if err != nil {
		return Matrix{}, fmt.Errorf("%s: data ends at byte %d, want %d bytes of %s data for shape (%d, %d) from byte %d",
			name, h.offset+n, want, h.descr, rows, cols, h.offset)
	}
	if extra, _ := io.Copy(io.Discard, r); extra > 0 {
		return Matrix{}, fmt.Errorf("%s: %d bytes after the data at byte %d; the header's shape (%d, %d) does not cover the file",
			name, extra, h.offset+want, rows, cols)
	}

	m := NewMatrix(rows, cols)
	for i := range m.Data {
		src := i
		if h.fortran {
			// Column-major: element i of the row-major result is at column·rows + row.
			src = (i%cols)*rows + i/cols
		}
		m.Data[i] = decodeFloat(raw[src*size:(src+1)*size], order, size)
	}
	return m, nil
}

func readNpyHeader(r io.Reader, name string) (npyHeader, error) {
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return npyHeader{}, fmt.Errorf("%s: file is shorter than the 8-byte .npy preamble", name)
	}
	if string(prefix[:6]) != "\x93NUMPY" {
		return npyHeader{}, fmt.Errorf("%s: byte 0: magic string is %q, want \"\\x93NUMPY\"; not a .npy file", name, prefix[:6])
	}
	major := prefix[6]
	var headerLen, offset int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, fmt.Errorf("%s: byte 8: header length is missing", name)
		}
		headerLen, offset = int(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, fmt.Errorf("%s: byte 8: header length is missing", name)
		}
		headerLen, offset = int(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return npyHeader{}, fmt.Errorf("%s: byte 6: format version %d.%d is not supported, want 1, 2 or 3", name, major, prefix[7])
	}
	if headerLen > 1<<20 {
		return npyHeader{}, fmt.Errorf("%s: byte 8: header length %d is implausibly large", name, headerLen)
	}
	buf := make([]byte, headerLen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return npyHeader{}, fmt.Errorf("%s: byte %d: header is shorter than its stated %d bytes", name, offset, headerLen)
	}
	header := string(buf)

	h := npyHeader{offset: offset + headerLen}
	descr := npyDescr.FindStringSubmatch(header)
	fortran := npyFortran.FindStringSubmatch(header)
	shape := npyShape.FindStringSubmatch(header)
	if descr == nil || fortran == nil || shape == nil {
		return npyHeader{}, fmt.Errorf("%s: byte %d: header %q lacks 'descr', 'fortran_order' or 'shape'", name, offset, strings.TrimSpace(header))
	}
	h.descr, h.fortran = descr[1], fortran[1] == "True"
	for _, field := range strings.Split(shape[1], ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		dim, err := strconv.Atoi(field)
		if err != nil || dim < 0 {
			return npyHeader{}, fmt.Errorf("%s: byte %d: shape (%s) has an invalid dimension %q", name, offset, shape[1], field)
		}
		h.shape = append(h.shape, dim)
	}
	return h, nil
}

// npyDType returns the byte order and element size of a supported float descr.
func npyDType(descr string) (binary.ByteOrder, int, error) {
	if len(descr) == 3 && descr[1] == 'f' {
		var order binary.ByteOrder
		switch descr[0] {
		case '<', '|':
			order = binary.LittleEndian
		case '>':
			order = binary.BigEndian
		}
		size := int(descr[2] - '0')
		if order != nil && (size == 2 || size == 4 || size == 8) {
			return order, size, nil
		}
	}
	return nil, 0, fmt.Errorf("dtype %q is not supported, want float16, float32 or float64 ('<f2', '<f4', '<f8'); convert with arr.astype('float32')", descr)
}

func decodeFloat(b []byte, order binary.ByteOrder, size int) float32 {
	switch size {
	case 2:
		return Float16ToFloat32(order.Uint16(b))
	case 4:
		return math.Float32frombits(order.Uint32(b))
	default:
		return float32(math.Float64frombits(order.Uint64(b)))
	}
}

// Float16ToFloat32 converts an IEEE 754 binary16 value (NumPy's float16) to float32
// exactly, including subnormals, ±Inf and NaN.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac · 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}

// WriteNpy writes m as a little-endian float32 .npy file (format 1.0) that numpy.load
// reads as an array of shape (Rows, Cols).
func WriteNpy(w io.Writer, m Matrix) error {
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", m.Rows, m.Cols)
	// Pad with spaces so the data starts at a multiple of 64 bytes, ending in '\n'.
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"

	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var b [4]byte
	for _, v := range m.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("retrieval: WriteNpy: %w", err)
	}
	return nil
}
